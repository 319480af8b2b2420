//! Driver events as one JSON line each, printed by vrrpd and by the failover and proxy examples:
//! `{"event":"state",...}`, `{"event":"error",...}`, `{"event":"priority",...}`,
//! `{"event":"address_restored",...}` and `{"event":"stats","routers":[...],"global":{...}}`.

use std::collections::HashMap;
use std::fmt::Write as _;

use vrrp::Counter;
use vrrp::host::{Event, StatsReport};
use vrrp::linux::{Netlink, NetlinkError};

/// Interface names by index, read once, for the `interface` field of the event lines.
#[derive(Clone, Debug, Default)]
pub struct InterfaceNames(pub HashMap<u32, String>);

impl InterfaceNames {
    /// The interfaces there are now.
    pub fn read(netlink: &mut Netlink) -> Result<Self, NetlinkError> {
        let all = netlink.interfaces()?;
        Ok(Self(all.into_iter().map(|i| (i.index, i.name)).collect()))
    }

    /// The name of interface `index`, or the index itself for one not known.
    pub fn name(&self, index: u32) -> String {
        self.0
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    }
}

/// `event` as one JSON line (without the newline), interfaces by their `names`.
pub fn json(event: &Event, names: &InterfaceNames) -> String {
    let name = |index| names.name(index);
    match event {
        Event::StateChanged {
            router,
            from,
            to,
            reason,
        } => format!(
            r#"{{"event":"state","interface":"{}","vrid":{},"family":"{}","from":"{from}","to":"{to}","reason":"{reason}"}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
        ),
        Event::BackendFailed {
            router,
            operation,
            error,
        } => format!(
            r#"{{"event":"error","interface":"{}","vrid":{},"family":"{}","operation":"{operation}","error":{:?}}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
            error.to_string(),
        ),
        Event::PriorityChanged { router, from, to } => format!(
            r#"{{"event":"priority","interface":"{}","vrid":{},"family":"{}","from":{from},"to":{to}}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
        ),
        Event::UnknownRouter(router) => format!(
            r#"{{"event":"unknown_router","interface":"{}","vrid":{},"family":"{}"}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
        ),
        Event::AddressRestored {
            router,
            interface_index,
            address,
        } => format!(
            r#"{{"event":"address_restored","interface":"{}","vrid":{},"family":"{}","address_interface":"{}","address":"{address}"}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
            name(*interface_index),
        ),
        Event::Resynchronized => r#"{"event":"resynchronized"}"#.to_string(),
        Event::TransientError { operation, error } => format!(
            r#"{{"event":"transient_error","operation":{operation:?},"error":{:?}}}"#,
            error.to_string()
        ),
        Event::PrimaryAddress {
            router,
            address,
            present,
        } => format!(
            r#"{{"event":"primary_address","interface":"{}","vrid":{},"family":"{}","address":"{address}","present":{present}}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
        ),
        Event::AddressConflict {
            router,
            address,
            count,
        } => format!(
            r#"{{"event":"address_conflict","interface":"{}","vrid":{},"family":"{}","address":"{address}","count":{count}}}"#,
            name(router.interface_index),
            router.vrid,
            router.family,
        ),
        Event::InterfaceRecreated {
            interface_index,
            new_index,
            name,
        } => format!(
            r#"{{"event":"interface_recreated","interface":{name:?},"configured_index":{interface_index},"index":{new_index}}}"#
        ),
        Event::Stats(report) => stats_json(report, &name),
        other => format!(r#"{{"event":"other","debug":{:?}}}"#, format!("{other:?}")),
    }
}

fn stats_json(report: &StatsReport, name: &impl Fn(u32) -> String) -> String {
    let mut out = String::from(r#"{"event":"stats","routers":["#);
    for (i, router) in report.routers.iter().enumerate() {
        let stats = &router.stats;
        let _ = write!(
            out,
            r#"{}{{"interface":"{}","vrid":{},"family":"{}","state":"{}","priority":{},"sent_advertisements":{},"rcvd_advertisements":{},"master_transitions":{},"sent_pri_zero_packets":{},"rcvd_pri_zero_packets":{},"errors":{{"#,
            if i == 0 { "" } else { "," },
            name(router.router.interface_index),
            router.router.vrid,
            router.router.family,
            router.state,
            router.priority,
            stats.sent_advertisements,
            stats.rcvd_advertisements,
            stats.master_transitions,
            stats.sent_pri_zero_packets,
            stats.rcvd_pri_zero_packets,
        );
        for (j, counter) in Counter::ALL.iter().enumerate() {
            let _ = write!(
                out,
                r#"{}"{}":{}"#,
                if j == 0 { "" } else { "," },
                counter.mib_name(),
                stats.errors(*counter)
            );
        }
        out.push_str("}}");
    }
    let global = &report.global;
    let _ = write!(
        out,
        r#"],"global":{{"checksum_errors":{},"version_errors":{},"vrid_errors":{},"malformed_datagrams":{}}}}}"#,
        global.checksum_errors,
        global.version_errors,
        global.vrid_errors,
        global.malformed_datagrams,
    );
    out
}
