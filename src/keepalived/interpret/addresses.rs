//! Reads an instance's `authentication` block and its `virtual_ipaddress` lines.

use std::net::IpAddr;
use std::time::Duration;

use super::Reader;
use crate::host::{AddressOptions, AddressScope};
use crate::keepalived::lexer::Token;
use crate::keepalived::model::VirtualIp;
use crate::keepalived::syntax::Statement;
use crate::packet::Password;

impl Reader {
    /// An `authentication` block: its password, and where `auth_type AH` is written if it is
    /// (refused for VRRPv2 by the caller, which knows the version: VRRPv3 ignores any).
    pub(super) fn authentication(
        &mut self,
        statement: &Statement,
    ) -> Option<(Password, Option<Token>)> {
        let block = self.block(statement)?;
        let before = self.errors.len();
        let mut kind = None;
        let mut ah = None;
        let mut password = None;
        for s in block {
            match s.keyword.text.as_str() {
                "auth_type" => {
                    if let Some(v) = self.value(s, "PASS") {
                        match v.text.as_str() {
                            "PASS" => kind = Some(()),
                            "AH" => {
                                kind = Some(());
                                ah = Some(v.clone());
                            }
                            _ => self.bad(s, v, "PASS or AH"),
                        }
                    }
                }
                "auth_pass" => password = self.password(s).or(password),
                _ => self.unknown(&s.keyword, "authentication", &["auth_type", "auth_pass"]),
            }
        }
        if self.errors.len() > before {
            // The real cause is reported; a missing keyword would only repeat it in other words.
            return None;
        }
        let missing = match (kind, password) {
            (Some(()), Some(password)) => return Some((password, ah)),
            (None, _) => "auth_type",
            (Some(()), None) => "auth_pass",
        };
        self.required(statement, "authentication".into(), missing);
        None
    }

    /// `auth_pass`: 1 to 8 bytes. A longer one is cut to its first 8 with a warning, as keepalived
    /// does: only those 8 bytes go on the wire, so peers configured with the whole of it agree.
    pub(super) fn password(&mut self, s: &Statement) -> Option<Password> {
        const EXPECTED: &str = "a password of 1 to 8 characters";
        let v = self.value(s, EXPECTED)?;
        let bytes = v.text.as_bytes();
        if bytes.len() > 8 {
            // Never the password itself: a warning is logged.
            self.warn(
                &v.location,
                format!(
                    "`auth_pass` is {} bytes long and VRRPv2 carries 8: only its first 8 bytes are \
                     sent and checked, as keepalived does",
                    bytes.len()
                ),
            );
        }
        match Password::new(&bytes[..bytes.len().min(8)]) {
            Ok(p) => Some(p),
            Err(_) => {
                self.bad(s, v, EXPECTED);
                None
            }
        }
    }

    /// The lines of a `virtual_ipaddress` block.
    pub(super) fn addresses(&mut self, statement: &Statement) -> Vec<VirtualIp> {
        let Some(block) = self.block(statement) else {
            return Vec::new();
        };
        let mut vips = Vec::new();
        for line in block {
            if let Some(vip) = self.address_line(statement, line) {
                vips.push(vip);
            }
        }
        vips
    }

    /// The lines of a `static_ipaddress` block: addresses held for as long as the daemon runs,
    /// on their `dev`, else on `default_interface` (keepalived's default: `eth0`).
    pub(super) fn static_addresses(&mut self, statement: &Statement) {
        let Some(block) = self.block(statement) else {
            return;
        };
        for line in block {
            if let Some(mut address) = self.address_line(statement, line) {
                if address.device.is_none() {
                    let default = self.config.global.default_interface.clone();
                    address.device = Some(default.unwrap_or_else(|| "eth0".into()));
                }
                self.config.static_addresses.push(address);
            }
        }
    }

    /// `ADDRESS[/LEN] [brd B] [dev D] [label L] [scope S]` with keepalived's other options:
    /// `preferred_lft N|forever`, `noprefixroute`, `home`, `mngtmpaddr`, `autojoin`, `no_track`,
    /// `use_vmac` (not on a static address), and `-nodad` (ignored with a warning).
    pub(super) fn address_line(
        &mut self,
        statement: &Statement,
        line: &Statement,
    ) -> Option<VirtualIp> {
        const EXPECTED: &str = "an IP address with an optional /prefix length";
        let written = &line.keyword;
        let (address, length) = written
            .text
            .split_once('/')
            .map_or((written.text.as_str(), None), |(a, l)| (a, Some(l)));
        let Ok(address) = address.parse::<IpAddr>() else {
            self.bad(statement, written, EXPECTED);
            return None;
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix_len = match length.map(str::parse::<u8>) {
            None => max,
            Some(Ok(len)) if len <= max => len,
            Some(_) => {
                self.bad(statement, written, EXPECTED);
                return None;
            }
        };
        let mut vip = VirtualIp {
            address,
            prefix_len,
            broadcast: None,
            device: None,
            scope: None,
            label: None,
            options: AddressOptions::default(),
            no_track: false,
            use_vmac: false,
            location: written.location.clone(),
        };
        let is_static = statement.keyword.text == "static_ipaddress";
        let mut words = line.args.iter();
        while let Some(option) = words.next() {
            let flag = match option.text.as_str() {
                "noprefixroute" => Some(&mut vip.options.no_prefix_route),
                "home" => Some(&mut vip.options.home),
                "mngtmpaddr" => Some(&mut vip.options.manage_temporary),
                "autojoin" => Some(&mut vip.options.auto_join),
                "no_track" => Some(&mut vip.no_track),
                "use_vmac" if !is_static => Some(&mut vip.use_vmac),
                _ => None,
            };
            if let Some(flag) = flag {
                *flag = true;
                continue;
            }
            if option.text == "-nodad" {
                self.warn(
                    &option.location,
                    "`-nodad`: virtual IPv6 addresses are added without duplicate address \
                     detection, which would leave one that two routers hold after a split brain \
                     unusable for good; ignored"
                        .into(),
                );
                continue;
            }
            let Some(value) = words.next() else {
                self.missing_value(option, "a value");
                return None;
            };
            match option.text.as_str() {
                "brd" | "broadcast" => match value.text.parse() {
                    Ok(b) if address.is_ipv4() => vip.broadcast = Some(b),
                    _ => {
                        self.bad_word("brd", value, "an IPv4 broadcast address");
                        return None;
                    }
                },
                "dev" => vip.device = Some(value.text.clone()),
                "label" if address.is_ipv4() && (1..=15).contains(&value.text.len()) => {
                    vip.label = Some(value.text.clone());
                }
                "label" => {
                    self.bad_word(
                        "label",
                        value,
                        "a label of 1 to 15 bytes on an IPv4 address",
                    );
                    return None;
                }
                "preferred_lft" => match value.text.as_str() {
                    "forever" => vip.options.preferred_lifetime = None,
                    seconds => match seconds.parse::<u32>() {
                        Ok(seconds) => {
                            vip.options.preferred_lifetime =
                                Some(Duration::from_secs(seconds.into()));
                        }
                        Err(_) => {
                            self.bad_word("preferred_lft", value, "seconds, or forever");
                            return None;
                        }
                    },
                },
                "peer" => {
                    self.unsupported(
                        option,
                        "peer",
                        "a point-to-point peer is not configured on a virtual address; add the \
                         route to the peer as a virtual_route (or static_route)",
                    );
                    return None;
                }
                "scope" => match AddressScope::from_name(&value.text) {
                    Some(scope) => vip.scope = Some(scope),
                    None => {
                        self.bad_word("scope", value, "global, site, link, host or nowhere");
                        return None;
                    }
                },
                _ => {
                    self.unknown(
                        option,
                        "a virtual address line",
                        &[
                            "brd",
                            "dev",
                            "label",
                            "scope",
                            "preferred_lft",
                            "noprefixroute",
                            "home",
                            "mngtmpaddr",
                            "autojoin",
                            "no_track",
                            "use_vmac",
                        ],
                    );
                    return None;
                }
            }
        }
        self.no_block(line)?;
        Some(vip)
    }
}
