//! VRRPv2 interoperation (RFC 5798 §8.4) as a VRRPv3 router sees its Master: which one speaks
//! VRRPv3, and whether it also sends the VRRPv2 copies the VRRPv2-only routers need (V3-V2I-05).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::VirtualRouter;
use crate::Interval;

/// The last router heard sending VRRPv3 in interop mode.
#[derive(Clone, Debug)]
pub(super) struct V3Speaker {
    /// Its address: its VRRPv2 copies are ignored.
    source: IpAddr,
    /// Since when it has sent no VRRPv2 copy, and whether that was counted already.
    v2_copy_missing: Option<(Instant, bool)>,
}

impl VirtualRouter {
    /// A VRRPv3 advert from `source` (advertising every `interval`) in interop mode: it is the
    /// VRRPv3 speaker now, and if it has sent no VRRPv2 copy for two VRRPv2 intervals (its
    /// interval rounded up to whole seconds, two at least), that is counted once in
    /// [`Stats::v3_masters_without_v2`](crate::Stats::v3_masters_without_v2).
    pub(super) fn heard_v3(&mut self, now: Instant, source: IpAddr, interval: Interval) {
        let speaker = self.interop.get_or_insert_with(|| {
            Box::new(V3Speaker {
                source,
                v2_copy_missing: None,
            })
        });
        if speaker.source != source {
            speaker.source = source;
            speaker.v2_copy_missing = None;
        }
        let v2_interval = Duration::from_secs(interval.as_duration().as_secs_f64().ceil() as u64);
        let patience = (v2_interval * 2).max(Duration::from_secs(2));
        match &mut speaker.v2_copy_missing {
            None => speaker.v2_copy_missing = Some((now, false)),
            Some((since, counted)) => {
                if !*counted && now.saturating_duration_since(*since) >= patience {
                    *counted = true;
                    self.stats.v3_masters_without_v2 += 1;
                }
            }
        }
    }

    /// A VRRPv2 advert from `source` in interop mode: whether it is the VRRPv3 speaker's copy, to
    /// be ignored (RFC 5798 §8.4.2), which also shows it sends them.
    pub(super) fn heard_v2_copy(&mut self, source: IpAddr) -> bool {
        match self.interop.as_deref_mut() {
            Some(speaker) if speaker.source == source => {
                speaker.v2_copy_missing = None;
                true
            }
            _ => false,
        }
    }
}
