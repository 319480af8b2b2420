//! Reads `vrrp_track_process`: processes that instances and sync groups track.

use std::time::Duration;

use super::Reader;
use crate::keepalived::error::{ErrorKind, ParseError};
use crate::keepalived::lexer::Token;
use crate::keepalived::model::TrackProcess;
use crate::keepalived::syntax::Statement;
use crate::track::ParamMatch;

pub(super) const TRACK_PROCESS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "fork_delay",
    "terminate_delay",
    "full_command",
];

/// The longest `delay`, `fork_delay` or `terminate_delay`, in seconds.
const MAX_DELAY: f64 = 3600.0;

impl Reader {
    pub(super) fn track_process(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_track_process") else {
            return;
        };
        let mut track = TrackProcess {
            name,
            location: statement.args[0].location.clone(),
            process: String::new(),
            parameters: Vec::new(),
            param_match: None,
            full_command: false,
            weight: 1,
            quorum: 1,
            quorum_max: None,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        };
        let mut process = None;
        // Where `quorum` and `quorum_max` are written, to name them when they contradict.
        let (mut quorum_at, mut quorum_max_at): (Option<&Token>, Option<&Token>) = (None, None);
        for s in block {
            match s.keyword.text.as_str() {
                "process" => {
                    if self.no_block(s).is_some()
                        && let Some(words) = self.words(s, 1..=usize::MAX, "a process name")
                    {
                        track.process = words[0].text.clone();
                        track.parameters = words[1..].iter().map(|w| w.text.clone()).collect();
                        process = Some(());
                    }
                }
                "param_match" => {
                    if let Some(v) = self.value(s, "initial or partial") {
                        match v.text.as_str() {
                            "initial" => track.param_match = Some(ParamMatch::Initial),
                            "partial" => track.param_match = Some(ParamMatch::Partial),
                            _ => self.bad(s, v, "initial or partial"),
                        }
                    }
                }
                "weight" => {
                    if let [_, reverse, ..] = s.args.as_slice()
                        && reverse.text == "reverse"
                    {
                        self.unsupported(
                            reverse,
                            "weight ... reverse",
                            "write the weight with the sign that moves the priority the way you \
                             want, or weight 0 for Fault",
                        );
                    } else if let Some(w) = self.integer(s, -254..=254) {
                        track.weight = w;
                    }
                }
                "quorum" => {
                    if let Some(n) = self.integer(s, 0..=65_535) {
                        track.quorum = n;
                        quorum_at = Some(&s.keyword);
                    }
                }
                "quorum_max" => {
                    if let Some(n) = self.integer(s, 0..=65_535) {
                        track.quorum_max = Some(n);
                        quorum_max_at = Some(&s.keyword);
                    }
                }
                "delay" | "fork_delay" | "terminate_delay" => {
                    if let Some(d) = self.seconds(s, true, MAX_DELAY) {
                        if s.keyword.text != "terminate_delay" {
                            track.fork_delay = d;
                        }
                        if s.keyword.text != "fork_delay" {
                            track.terminate_delay = d;
                        }
                    }
                }
                "full_command" => track.full_command = self.flag(s),
                _ => self.other(s, "vrrp_track_process", TRACK_PROCESS),
            }
        }
        if process.is_none() {
            self.required(
                statement,
                format!("vrrp_track_process {}", track.name),
                "process",
            );
            return;
        }
        if let (Some(max), Some(max_at)) = (track.quorum_max, quorum_max_at)
            && max < track.quorum
        {
            let quorum = match quorum_at {
                Some(at) => format!("quorum {} at {}", track.quorum, at.location),
                None => format!("the default quorum {}", track.quorum),
            };
            self.errors.push(ParseError::new(
                max_at.location.clone(),
                ErrorKind::Invalid(format!(
                    "vrrp_track_process {}: quorum_max {max} is below {quorum}: no count of \
                     processes could succeed",
                    track.name
                )),
            ));
            return;
        }
        self.config.track_processes.push(track);
    }
}
