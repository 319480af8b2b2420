//! A [`Config`] written out as a keepalived `vrrp_instance` block: the way back from the crate's
//! configuration to keepalived's language, for migrating the other way, for generating peers'
//! configurations, and for checking that reading loses nothing.

use std::fmt::Write as _;
use std::time::Duration;

use crate::packet::{Authentication, ChecksumAcceptance, ChecksumForm, Version};
use crate::{AddressFamily, Config, LowerPriorityResponse, RouterAdvertisements};

/// A setting that keepalived's configuration language cannot express.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("keepalived.conf cannot express {0}")]
pub struct WriteError(pub &'static str);

/// `config` as `vrrp_instance NAME { ... }` on `interface`, which is what [`parse_str`](super::parse_str)
/// reads back into the same [`Config`] (given the same interface index and, without unicast peers,
/// the same interface address). Settings keepalived has no keyword for are a [`WriteError`].
pub fn instance_block(config: &Config, name: &str, interface: &str) -> Result<String, WriteError> {
    if config.checksum_acceptance() != ChecksumAcceptance::Either {
        return Err(WriteError("a restricted checksum acceptance"));
    }
    if config.v2_interop() {
        return Err(WriteError("VRRPv2/v3 interop mode"));
    }
    if config.is_owner() != (config.priority().get() == 255) {
        return Err(WriteError("an owner below priority 255"));
    }
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str("    ");
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("interface {interface}"));
    line(format!("virtual_router_id {}", config.vrid()));
    line(format!("priority {}", config.priority().get()));
    line(format!(
        "advert_int {}",
        seconds(config.interval().as_duration())
    ));
    line(format!(
        "version {}",
        if config.version() == Version::V2 {
            2
        } else {
            3
        }
    ));
    if !config.preempt() {
        line("nopreempt".into());
    }
    if !config.preempt_delay().is_zero() {
        line(format!("preempt_delay {}", seconds(config.preempt_delay())));
    }
    line(
        if config.accept() {
            "accept"
        } else {
            "no_accept"
        }
        .into(),
    );
    match config.authentication() {
        Authentication::None => {}
        Authentication::Password(password) | Authentication::IpsecAh(password) => {
            let wire = password.as_wire();
            let len = wire.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            let text = std::str::from_utf8(&wire[..len])
                .ok()
                .filter(|t| {
                    t.chars()
                        .all(|c| (c.is_ascii_graphic() && c != '"') || c == ' ')
                })
                .ok_or(WriteError(
                    "a password that is not printable ASCII without quotes",
                ))?;
            let kind = match config.authentication() {
                Authentication::IpsecAh(_) => "AH",
                _ => "PASS",
            };
            line("authentication {".into());
            line(format!("    auth_type {kind}"));
            line(format!("    auth_pass \"{text}\""));
            line("}".into());
        }
    }
    #[cfg(feature = "auth-hmac")]
    if let Some(auth) = config.auth_hmac() {
        line("auth_hmac {".into());
        for key in auth.keys() {
            let hex: String = key.bytes().iter().map(|b| format!("{b:02x}")).collect();
            line(format!("    key {} hex:{hex}", key.id()));
        }
        line(format!("    active_key {}", auth.active_key()));
        line(format!("    mode {}", auth.mode().as_str()));
        line(format!("    anti_replay {}", auth.anti_replay().as_str()));
        let window = auth.time_window(config.interval());
        line(format!("    time_window {}", window.as_secs()));
        line("}".into());
    }
    let group = config.multicast_group();
    if config.unicast_peers().is_empty() && group != config.family().vrrp_group() {
        line(format!("mcast_dst_ip {group}"));
    }
    if !config.unicast_peers().is_empty() {
        line(format!("unicast_src_ip {}", config.primary_address()));
        if config.unicast_hop_limit() != 255 {
            line(format!("unicast_ttl {}", config.unicast_hop_limit()));
        }
        line("unicast_peer {".into());
        for peer in config.unicast_peers() {
            match config.min_hop_limit() {
                0 => line(format!("    {peer}")),
                ttl => line(format!("    {peer} min_ttl {ttl}")),
            }
        }
        line("}".into());
    }
    let announcements = config.announcements();
    line(format!(
        "garp_master_delay {}",
        announcements.second_burst.map_or("0".into(), seconds)
    ));
    line(format!("garp_master_repeat {}", announcements.repeat));
    line(format!(
        "garp_master_refresh {}",
        announcements.refresh.map_or("0".into(), seconds)
    ));
    line(format!(
        "garp_master_refresh_repeat {}",
        announcements.refresh_repeat
    ));
    match config.checksum_form() {
        ChecksumForm::PseudoHeader => {}
        ChecksumForm::MessageOnly => line("v3_checksum_as_v2".into()),
        ChecksumForm::LegacyUnicast => line("old_unicast_checksum".into()),
    }
    let v3_ipv4_unicast = config.version() == Version::V3
        && config.family() == AddressFamily::Ipv4
        && !config.unicast_peers().is_empty();
    // keepalived learns the old checksum from a unicast peer unless told not to.
    let learns = config.checksum_acceptance() == ChecksumAcceptance::LearnLegacyUnicast;
    if v3_ipv4_unicast && !learns && config.checksum_form() != ChecksumForm::LegacyUnicast {
        line("old_unicast_checksum never".into());
    }
    if config.down_interval_adverts() != 3 {
        line(format!(
            "down_timer_adverts {}",
            config.down_interval_adverts()
        ));
    }
    if config.owner_ignores_adverts() {
        line("owner_ignore_adverts".into());
    }
    if let Some(priority) = config.stall_yield() {
        line(format!("timer_expired_backup {}", priority.get()));
    }
    if config.lower_priority_response() == LowerPriorityResponse::Discard {
        line("lower_prio_no_advert".into());
    }
    if !config.tracks_link() {
        line("dont_track_primary".into());
    }
    if let Some(advertisements) = config.router_advertisements() {
        if advertisements != RouterAdvertisements::every(advertisements.interval) {
            return Err(WriteError(
                "a router advertisement lifetime other than 3 intervals",
            ));
        }
        line(format!(
            "router_advertisements {}",
            seconds(advertisements.interval)
        ));
    }
    line("virtual_ipaddress {".into());
    for address in config.addresses().iter() {
        line(format!("    {address}"));
    }
    line("}".into());
    let mut block = String::new();
    let _ = write!(block, "vrrp_instance {name} {{\n{out}}}\n");
    Ok(block)
}

/// Seconds as keepalived writes them: whole, or with the fraction that is needed.
fn seconds(duration: Duration) -> String {
    let nanos = duration.subsec_nanos();
    if nanos == 0 {
        duration.as_secs().to_string()
    } else {
        let text = format!("{}.{nanos:09}", duration.as_secs());
        text.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_keep_only_the_fraction_needed() {
        assert_eq!(seconds(Duration::from_secs(3)), "3");
        assert_eq!(seconds(Duration::from_millis(100)), "0.1");
        assert_eq!(seconds(Duration::from_millis(1250)), "1.25");
    }
}
