//! Reads `vrrp_sync_group`: instances that change state together, with their own tracking and
//! notify commands. Members are checked against the instances once the whole file is read.

use super::{Common, Reader};
use crate::keepalived::model::SyncGroup;
use crate::keepalived::syntax::Statement;

const SYNC_GROUP: &[&str] = &[
    "group",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "smtp_alert",
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
                _ => {
                    if !self.common(s, &mut common) {
                        self.unknown(&s.keyword, "vrrp_sync_group", SYNC_GROUP);
                    }
                }
            }
        }
        if members.is_empty() {
            self.required(statement, format!("vrrp_sync_group {name}"), "group");
        }
        self.pending_members.extend(member_locations);
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
