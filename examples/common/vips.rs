//! The command line's virtual addresses as routers: grouped by address family, each family with
//! the interface's index and the address its routers send from. Shared by the examples.

use std::net::IpAddr;

use vrrp::host::Instance;
use vrrp::linux::{Netlink, interface_source};
use vrrp::{AddressFamily, ConfigBuilder};

/// The virtual addresses of one family, with what a router of that family needs of the interface.
pub struct FamilyVips {
    /// The family.
    pub family: AddressFamily,
    /// The interface's index.
    pub interface_index: u32,
    /// Its primary IPv4 or IPv6 link-local address, the routers' source.
    pub source: IpAddr,
    /// The addresses of this family, with their prefix lengths.
    pub vips: Vec<(IpAddr, u8)>,
}

/// `vips` by family (IPv4 first), leaving out a family without any.
pub fn per_family(
    netlink: &mut Netlink,
    interface: &str,
    vips: &[(IpAddr, u8)],
) -> Result<Vec<FamilyVips>, String> {
    let mut families = Vec::new();
    for family in [AddressFamily::Ipv4, AddressFamily::Ipv6] {
        let vips: Vec<(IpAddr, u8)> = vips
            .iter()
            .copied()
            .filter(|(a, _)| AddressFamily::of(*a) == family)
            .collect();
        if vips.is_empty() {
            continue;
        }
        let (link, source) =
            interface_source(netlink, interface, family).map_err(|e| e.to_string())?;
        families.push(FamilyVips {
            family,
            interface_index: link.index,
            source,
            vips,
        });
    }
    Ok(families)
}

/// The `family` router `builder` describes, with `vips` as its virtual addresses and their prefix
/// lengths.
pub fn instance(
    family: AddressFamily,
    builder: ConfigBuilder,
    vips: &[(IpAddr, u8)],
) -> Result<Instance, String> {
    let builder = vips
        .iter()
        .fold(builder, |builder, &(vip, _)| builder.address(vip));
    let config = builder
        .build()
        .map_err(|e| format!("invalid {family} configuration: {e}"))?;
    Ok(vips
        .iter()
        .fold(Instance::new(config), |instance, &(vip, len)| {
            instance.prefix_len(vip, len)
        }))
}
