//! A reconfiguration that changes only a router's HMAC authentication is applied in place: the
//! router keeps its state, timers and addresses, so a running group rotates keys and migrates
//! between modes (receive-only, permissive, enforce) without a transition.

use crate::host::{ActionApplier, AddressBackend, AdvertSender, AnnounceBackend, Reconfiguration};
use crate::{HmacAuth, RouterKey, Routers};

/// Splits `change` into what must still be removed and added, and the routers whose new instance
/// differs from the running one only in its HMAC authentication, with that authentication. A
/// router is changed in place only if its sync group stays as it is (or it stays in none), and
/// every member of that group is changed in place too.
pub(super) fn split<S: AdvertSender, A: AddressBackend, N: AnnounceBackend>(
    change: &Reconfiguration,
    routers: &Routers,
    applier: &ActionApplier<S, A, N>,
) -> (Reconfiguration, Vec<(RouterKey, Option<HmacAuth>)>) {
    let mut in_place: Vec<(RouterKey, Option<HmacAuth>)> = change
        .add
        .iter()
        .filter_map(|instance| {
            let key = RouterKey::of(instance.config());
            let running = routers.get(&key)?.config();
            let sorted = |mut keys: Vec<RouterKey>| {
                keys.sort();
                keys
            };
            let grouped_now = routers.sync_group_of(&key).map(sorted);
            let grouped_next = (change.sync_groups.iter())
                .find(|group| group.contains(&key))
                .map(|group| sorted(group.clone()));
            let unchanged = change.remove.contains(&key)
                && grouped_now == grouped_next
                && applier.addressing(&key) == Some(instance.addressing())
                && running.differs_only_in_auth_hmac(instance.config());
            unchanged.then(|| (key, instance.config().auth_hmac().cloned()))
        })
        .collect();
    let whole = |group: &Vec<RouterKey>| {
        group
            .iter()
            .all(|member| in_place.iter().any(|(key, _)| key == member))
    };
    let broken: Vec<RouterKey> = change
        .sync_groups
        .iter()
        .filter(|group| !whole(group))
        .flatten()
        .copied()
        .collect();
    in_place.retain(|(key, _)| !broken.contains(key));
    let changed = |key: &RouterKey| !in_place.iter().any(|(k, _)| k == key);
    let rest = Reconfiguration {
        remove: change.remove.iter().copied().filter(changed).collect(),
        add: change
            .add
            .iter()
            .filter(|instance| changed(&RouterKey::of(instance.config())))
            .cloned()
            .collect(),
        sync_groups: change
            .sync_groups
            .iter()
            .filter(|group| !group.iter().all(|key| !changed(key)))
            .cloned()
            .collect(),
        statics: change.statics.clone(),
    };
    (rest, in_place)
}
