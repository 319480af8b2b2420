//! The sans-IO core: the wire format, one virtual router's state machine, many of them behind one
//! input, and a simulated LAN to test them on. Nothing here reads the clock, touches a socket or
//! knows what a host does with an address; everything is re-exported at the crate root.

pub(crate) mod action;
#[cfg(feature = "auth-hmac")]
pub(crate) mod auth_hmac;
pub(crate) mod config;
pub(crate) mod counter;
pub(crate) mod family;
pub(crate) mod interval;
pub(crate) mod mac;
pub mod packet;
pub(crate) mod priority;
mod receive;
pub(crate) mod router;
pub(crate) mod router_advertisements;
pub(crate) mod routers;
pub mod sim;
pub(crate) mod stats;
pub mod timing;
pub(crate) mod vrid;
pub(crate) mod wall_clock;
