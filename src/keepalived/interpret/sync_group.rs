//! Reads `vrrp_sync_group`: instances that change state together, with their own tracking and
//! notify commands. Members are checked against the instances once the whole file is read.

use super::{Common, Reader};
use crate::keepalived::model::SyncGroup;
use crate::keepalived::syntax::Statement;

pub(super) const SYNC_GROUP: &[&str] = &[
    "group",
    "sync_group_tracking_weight",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
];

impl Reader {
    pub(super) fn sync_group(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_sync_group") else {
            return;
        };
        let mut members = Vec::new();
        let mut common = Common::default();
        let mut member_locations = Vec::new();
        for s in block {
            match s.keyword.text.as_str() {
                // Tracked weights of members always count here.
                "sync_group_tracking_weight" => {
                    self.flag(s);
                }
                "group" => {
                    if let Some(lines) = self.block(s) {
                        for m in lines {
                            // A member is a name alone; extra words are an error, the name counts.
                            let _ = self.words(m, 0..=0, "nothing");
                            members.push(m.keyword.text.clone());
                            member_locations.push(m.keyword.clone());
                        }
                    }
                }
                // keepalived 1.x's form, members without `group { }`, as its lvs_syncd sample
                // still writes them: keepalived 2 reads them as unknown keywords and removes
                // the group; here they are the members they were meant to be.
                word if s.args.is_empty()
                    && s.block.is_none()
                    && !SYNC_GROUP.contains(&word)
                    && super::super::keywords::support(word).is_none() =>
                {
                    self.warn(
                        &s.keyword.location,
                        format!(
                            "vrrp_sync_group {name}: `{word}` is read as a member; write the \
                             members in `group {{ }}`, which keepalived 2 requires (it removes \
                             this group)"
                        ),
                    );
                    members.push(word.to_string());
                    member_locations.push(s.keyword.clone());
                }
                _ => {
                    if !self.common(s, &mut common) {
                        self.other(s, "vrrp_sync_group", SYNC_GROUP);
                    }
                }
            }
        }
        if members.is_empty() {
            self.required(statement, format!("vrrp_sync_group {name}"), "group");
        }
        (self.pending_members).extend(member_locations.into_iter().map(|m| (name.clone(), m)));
        self.config.sync_groups.push(SyncGroup {
            name,
            location: statement.args[0].location.clone(),
            members,
            notify: common.notify,
            track_interfaces: common.track_interfaces,
            track_scripts: common.track_scripts,
            track_files: common.track_files,
            track_processes: common.track_processes,
        });
    }
}
