//! Driver events as one JSON line each, printed by vrrpd and by the failover and proxy examples:
//! `{"event":"state",...}`, `{"event":"error",...}`, `{"event":"priority",...}`,
//! `{"event":"address_restored",...}` and `{"event":"stats","routers":[...],"global":{...}}`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use vrrp::host::{Event, StatsReport};
use vrrp::linux::{Netlink, NetlinkError};
use vrrp::{Counter, RouterKey};

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
    value(event, names).to_string()
}

/// The fields that name a virtual router: its interface, VRID and family.
fn router_fields(router: &RouterKey, names: &InterfaceNames) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert(
        "interface".into(),
        names.name(router.interface_index).into(),
    );
    fields.insert("vrid".into(), router.vrid.get().into());
    fields.insert("family".into(), router.family.to_string().into());
    fields
}

/// `{"event":KIND}`, then `router`'s fields if any, then `rest`'s.
fn line(kind: &str, router: Option<(&RouterKey, &InterfaceNames)>, rest: Value) -> Value {
    let mut object = Map::new();
    object.insert("event".into(), kind.into());
    if let Some((router, names)) = router {
        object.extend(router_fields(router, names));
    }
    if let Value::Object(rest) = rest {
        object.extend(rest);
    }
    Value::Object(object)
}

/// `event` as a JSON value.
pub fn value(event: &Event, names: &InterfaceNames) -> Value {
    let of = |router| Some((router, names));
    match event {
        Event::StateChanged {
            router,
            from,
            to,
            reason,
        } => line(
            "state",
            of(router),
            json!({"from": from.to_string(), "to": to.to_string(), "reason": reason.to_string()}),
        ),
        Event::BackendFailed {
            router,
            operation,
            error,
        } => line(
            "error",
            of(router),
            json!({"operation": operation.to_string(), "error": error.to_string()}),
        ),
        Event::PriorityChanged { router, from, to } => line(
            "priority",
            of(router),
            json!({"from": from.get(), "to": to.get()}),
        ),
        Event::UnknownRouter(router) => line("unknown_router", of(router), json!({})),
        Event::AddressRestored {
            router,
            interface_index,
            address,
        } => line(
            "address_restored",
            of(router),
            json!({"address_interface": names.name(*interface_index), "address": address}),
        ),
        Event::Resynchronized => line("resynchronized", None, json!({})),
        Event::LowerPriorityMaster {
            router,
            source,
            priority,
        } => line(
            "lower_priority_master",
            of(router),
            json!({"source": source, "priority": priority.get()}),
        ),
        Event::Restored { router, entry } => line(
            "restored",
            router.as_ref().and_then(of),
            json!({"entry": entry.to_string(), "static": router.is_none()}),
        ),
        Event::StaticFailed { operation, error } => line(
            "static_error",
            None,
            json!({"operation": operation.to_string(), "error": error.to_string()}),
        ),
        Event::RealtimeRaised { late, priority } => line(
            "realtime_raised",
            None,
            json!({"late_seconds": late.as_secs_f64(), "priority": priority}),
        ),
        Event::TransientError { operation, error } => line(
            "transient_error",
            None,
            json!({"operation": operation, "error": error.to_string()}),
        ),
        Event::PrimaryAddress {
            router,
            address,
            present,
        } => line(
            "primary_address",
            of(router),
            json!({"address": address, "present": present}),
        ),
        Event::AcceptModeOff { router, addresses } => line(
            "accept_mode_off",
            of(router),
            json!({"addresses": addresses}),
        ),
        Event::AddressConflict {
            router,
            address,
            count,
        } => line(
            "address_conflict",
            of(router),
            json!({"address": address, "count": count}),
        ),
        Event::InterfaceRecreated {
            interface_index,
            new_index,
            name,
        } => line(
            "interface_recreated",
            None,
            json!({"interface": name, "configured_index": interface_index, "index": new_index}),
        ),
        Event::NewMaster {
            router,
            master_address,
            reason,
        } => line(
            "new_master",
            of(router),
            json!({"master_address": master_address.to_string(), "reason": reason.mib_name()}),
        ),
        Event::ProtocolError {
            router,
            reason,
            source,
            error,
            count,
        } => line(
            "protocol_error",
            of(router),
            json!({
                "reason": reason.mib_name(),
                "source": source.to_string(),
                "error": error.to_string(),
                "count": count,
            }),
        ),
        Event::Stats(report) => stats_value(report, names),
        other => line("other", None, json!({"debug": format!("{other:?}")})),
    }
}

fn stats_value(report: &StatsReport, names: &InterfaceNames) -> Value {
    let routers: Vec<Value> = report
        .routers
        .iter()
        .map(|router| {
            let stats = &router.stats;
            let mut object = router_fields(&router.router, names);
            let errors: Map<String, Value> = Counter::ALL
                .iter()
                .map(|c| (c.mib_name().to_string(), stats.errors(*c).into()))
                .collect();
            if let Value::Object(rest) = json!({
                "state": router.state.to_string(),
                "priority": router.priority.get(),
                "sent_advertisements": stats.sent_advertisements,
                "rcvd_advertisements": stats.rcvd_advertisements,
                "master_transitions": stats.master_transitions,
                "sent_pri_zero_packets": stats.sent_pri_zero_packets,
                "rcvd_pri_zero_packets": stats.rcvd_pri_zero_packets,
                "errors": errors,
            }) {
                object.extend(rest);
            }
            Value::Object(object)
        })
        .collect();
    let global = &report.global;
    json!({
        "event": "stats",
        "routers": routers,
        "global": {
            "checksum_errors": global.checksum_errors,
            "version_errors": global.version_errors,
            "vrid_errors": global.vrid_errors,
            "malformed_datagrams": global.malformed_datagrams,
        },
    })
}
