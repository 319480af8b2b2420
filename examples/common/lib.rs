//! The command line the examples share: checked values (`args`), the load balancers' options
//! (`proxy_options`) and the virtual addresses as routers (`vips`). The examples of the `vrrp`
//! package include these files as modules; the Pingora example, a package of its own, builds them
//! as its library.

pub mod args;
pub mod proxy_options;
pub mod vips;
