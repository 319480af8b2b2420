//! Driver events as one JSON line each (feature `serde`), as `vrrpd --events` and the examples
//! print them: `{"event":"state",...}`, `{"event":"error",...}`, `{"event":"priority",...}`,
//! `{"event":"address_restored",...}`, `{"event":"accept_mode_off",...}` and
//! `{"event":"stats","routers":[...],"global":{...}}`; every [`Event`] has its own `event` name.
//!
//! ```
//! use vrrp::host::{Event, json};
//!
//! let line = json::event(&Event::Resynchronized, |index| format!("if{index}"));
//! assert_eq!(line, r#"{"event":"resynchronized"}"#);
//! ```

use serde_json::{Map, Value, json};

use crate::host::{Event, StatsReport};
use crate::{Counter, GlobalStats, RouterKey, Stats};

/// `event` as one JSON line (without the newline), each interface named by `interface_name`
/// (the Linux `InterfaceNames`, say, or the index itself).
pub fn event(event: &Event, interface_name: impl Fn(u32) -> String) -> String {
    value(event, &interface_name).to_string()
}

/// The fields that name a virtual router: its interface, VRID and family.
fn router_fields(router: &RouterKey, names: &dyn Fn(u32) -> String) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("interface".into(), names(router.interface_index).into());
    fields.insert("vrid".into(), router.vrid.get().into());
    fields.insert("family".into(), router.family.to_string().into());
    fields
}

/// `{"event":KIND}`, then `router`'s fields if any, then `rest`'s.
fn line(kind: &str, router: Option<(&RouterKey, &dyn Fn(u32) -> String)>, rest: Value) -> Value {
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
fn value(event: &Event, names: &dyn Fn(u32) -> String) -> Value {
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
            json!({"address_interface": names(*interface_index), "address": address}),
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
    }
}

fn stats_value(report: &StatsReport, names: &dyn Fn(u32) -> String) -> Value {
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
            object.insert("state".into(), router.state.to_string().into());
            object.insert("priority".into(), router.priority.get().into());
            for statistic in Stats::COUNTERS {
                object.insert(statistic.name.into(), statistic.value(stats).into());
            }
            object.insert("errors".into(), Value::Object(errors));
            Value::Object(object)
        })
        .collect();
    json!({
        "event": "stats",
        "routers": routers,
        "global": GlobalStats::COUNTERS
            .iter()
            .map(|c| (c.name.to_string(), Value::from(c.value(&report.global))))
            .collect::<Map<String, Value>>(),
    })
}
