//! Reads `vrrp_script` and `vrrp_track_file`: the health checks and files that instances and
//! sync groups track.

use std::path::PathBuf;
use std::time::Duration;

use super::Reader;
use crate::keepalived::model::{TrackFile, VrrpScript};
use crate::keepalived::syntax::Statement;

pub(super) const SCRIPT: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

pub(super) const TRACK_FILE: &[&str] = &["file", "weight"];

impl Reader {
    pub(super) fn script(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_script") else {
            return;
        };
        let mut script = VrrpScript {
            name,
            location: statement.args[0].location.clone(),
            script: String::new(),
            interval: Duration::from_secs(1),
            timeout: None,
            weight: 0,
            rise: 1,
            fall: 1,
            user: None,
            init_fail: false,
        };
        let mut has_script = false;
        for s in block {
            match s.keyword.text.as_str() {
                "script" => {
                    if let Some(command) = self.text(s) {
                        script.script = command;
                        has_script = true;
                    }
                }
                "interval" => {
                    if let Some(interval) = self.seconds(s, false, 86_400.0) {
                        script.interval = interval;
                    }
                }
                "timeout" => script.timeout = self.seconds(s, false, 86_400.0),
                "weight" => {
                    if let Some(weight) = self.integer(s, -253..=253) {
                        script.weight = weight;
                    }
                }
                "rise" => {
                    if let Some(rise) = self.integer(s, 1..=1_000_000) {
                        script.rise = rise;
                    }
                }
                "fall" => {
                    if let Some(fall) = self.integer(s, 1..=1_000_000) {
                        script.fall = fall;
                    }
                }
                "user" => script.user = self.user(s),
                "init_fail" => script.init_fail = self.flag(s),
                _ => self.other(s, "vrrp_script", SCRIPT),
            }
        }
        if !has_script {
            self.required(statement, format!("vrrp_script {}", script.name), "script");
        }
        self.config.scripts.push(script);
    }

    pub(super) fn track_file(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_track_file") else {
            return;
        };
        let mut file = None;
        let mut weight = 1;
        for s in block {
            match s.keyword.text.as_str() {
                "file" => file = self.text(s).map(PathBuf::from),
                "weight" => {
                    if let Some(w) = self.integer(s, -254..=254) {
                        weight = w;
                    }
                }
                _ => self.other(s, "vrrp_track_file", TRACK_FILE),
            }
        }
        let Some(file) = file else {
            self.required(statement, format!("vrrp_track_file {name}"), "file");
            return;
        };
        self.config.track_files.push(TrackFile {
            name,
            location: statement.args[0].location.clone(),
            file,
            weight,
        });
    }
}
