//! Values, words and blocks: what a keyword is followed by, checked against what it takes.

use std::ops::RangeInclusive;
use std::time::Duration;

use super::Reader;
use crate::Announcements;
use crate::keepalived::error::ErrorKind;
use crate::keepalived::lexer::Token;
use crate::keepalived::model::ScriptUser;
use crate::keepalived::syntax::Statement;
use crate::packet::Version;

/// Values, words and blocks.
impl Reader {
    /// The words after a keyword, if there are as many as `count` allows; otherwise an error at
    /// the keyword (too few: it needs `expected`) or at the first extra word.
    pub(super) fn words<'s>(
        &mut self,
        statement: &'s Statement,
        count: RangeInclusive<usize>,
        expected: &str,
    ) -> Option<&'s [Token]> {
        let args = statement.args.as_slice();
        if args.len() < *count.start() {
            self.missing_value(&statement.keyword, expected);
            return None;
        }
        if let Some(extra) = args.get(*count.end()) {
            self.extra_value(statement, extra);
            return None;
        }
        Some(args)
    }

    /// The one value after a keyword without a block, or an error.
    pub(super) fn value<'s>(
        &mut self,
        statement: &'s Statement,
        expected: &str,
    ) -> Option<&'s Token> {
        self.no_block(statement)?;
        self.words(statement, 1..=1, expected)?.first()
    }

    /// A keyword that is on when written: alone, or with a `<BOOL>` (`on`, `off`, `true`,
    /// `false`, `yes`, `no`, in any case) for the keywords keepalived reads one for. keepalived
    /// ignores a value after the others and turns them on, so a false one there is refused rather
    /// than read as either meaning.
    pub(super) fn flag(&mut self, statement: &Statement) -> bool {
        let takes = takes_boolean(&statement.keyword.text);
        self.flag_with(statement, takes)
    }

    /// [`flag`](Self::flag) for a keyword keepalived ignores any value after.
    pub(super) fn flag_ignoring_value(&mut self, statement: &Statement) -> bool {
        self.flag_with(statement, false)
    }

    pub(super) fn flag_with(&mut self, statement: &Statement, takes_boolean: bool) -> bool {
        const EXPECTED: &str = "nothing, or one of on, off, true, false, yes, no";
        if self.no_block(statement).is_none() {
            return false;
        }
        let Some(words) = self.words(statement, 0..=1, EXPECTED) else {
            return false;
        };
        let Some(value) = words.first() else {
            return true;
        };
        let keyword = statement.keyword.text.as_str();
        match (boolean(&value.text), takes_boolean) {
            (Some(on), true) | (Some(on @ true), false) => on,
            (Some(false), false) => {
                self.unsupported(
                    value,
                    keyword,
                    format!(
                        "keepalived ignores the value after `{keyword}` and turns it on; remove \
                         the line to leave it off, or the value to turn it on"
                    ),
                );
                false
            }
            (None, _) => {
                self.bad(statement, value, EXPECTED);
                false
            }
        }
    }

    pub(super) fn no_block(&mut self, statement: &Statement) -> Option<()> {
        if statement.block.is_some() {
            self.fail(
                &statement.keyword,
                ErrorKind::UnexpectedBlock {
                    keyword: statement.keyword.text.clone(),
                },
            );
            return None;
        }
        Some(())
    }

    pub(super) fn block<'s>(&mut self, statement: &'s Statement) -> Option<&'s [Statement]> {
        match &statement.block {
            Some(block) => Some(block),
            None => {
                self.fail(
                    &statement.keyword,
                    ErrorKind::MissingBlock {
                        keyword: statement.keyword.text.clone(),
                    },
                );
                None
            }
        }
    }

    /// An integer in `range`.
    pub(super) fn integer<T: TryFrom<i64> + Copy>(
        &mut self,
        statement: &Statement,
        range: RangeInclusive<i64>,
    ) -> Option<T> {
        let expected = format!("a whole number from {} to {}", range.start(), range.end());
        let value = self.value(statement, &expected)?;
        match value.text.parse::<i64>() {
            Ok(n) if range.contains(&n) => T::try_from(n).ok(),
            _ => {
                self.bad(statement, value, &expected);
                None
            }
        }
    }

    /// Seconds, fractions allowed, at most `max`; zero only if `zero_ok`.
    pub(super) fn seconds(
        &mut self,
        statement: &Statement,
        zero_ok: bool,
        max: f64,
    ) -> Option<Duration> {
        let expected = if zero_ok {
            format!("a number of seconds from 0 to {max}")
        } else {
            format!("a number of seconds above 0, at most {max}")
        };
        let value = self.value(statement, &expected)?;
        match decimal_seconds(&value.text) {
            Some(d) if d.as_secs_f64() <= max && (!d.is_zero() || zero_ok) => Some(d),
            _ => {
                self.bad(statement, value, &expected);
                None
            }
        }
    }

    pub(super) fn text(&mut self, statement: &Statement) -> Option<String> {
        self.value(statement, "a value").map(|t| t.text.clone())
    }

    /// `vrrp_version` or `version`: 2 or 3.
    pub(super) fn version(&mut self, statement: &Statement) -> Option<Version> {
        match self.integer::<u8>(statement, 2..=3) {
            Some(2) => Some(Version::V2),
            Some(_) => Some(Version::V3),
            None => None,
        }
    }

    pub(super) fn user(&mut self, statement: &Statement) -> Option<ScriptUser> {
        self.no_block(statement)?;
        let words = self.words(statement, 1..=2, "a user name and optionally a group")?;
        Some(ScriptUser {
            user: words[0].text.clone(),
            group: words.get(1).map(|g| g.text.clone()),
        })
    }

    /// `garp_master_delay`, `garp_master_repeat`, `garp_master_refresh` or
    /// `garp_master_refresh_repeat` (`vrrp_` before each in global_defs) into `announcements`. A delay or refresh of 0 means none.
    pub(super) fn announcement(
        &mut self,
        statement: &Statement,
        announcements: &mut Announcements,
    ) {
        match statement.keyword.text.trim_start_matches("vrrp_") {
            "garp_master_delay" => {
                announcements.second_burst = self
                    .seconds(statement, true, 3600.0)
                    .filter(|d| !d.is_zero());
            }
            "garp_master_repeat" => {
                if let Some(n) = self.integer(statement, 1..=255) {
                    announcements.repeat = n;
                }
            }
            "garp_master_refresh_repeat" => {
                if let Some(n) = self.integer(statement, 1..=255) {
                    announcements.refresh_repeat = n;
                }
            }
            _ => {
                announcements.refresh = self
                    .seconds(statement, true, 86_400.0)
                    .filter(|d| !d.is_zero());
            }
        }
    }
}

/// keepalived's `<BOOL>`: `on`, `true`, `yes` or `off`, `false`, `no` (any case here).
fn boolean(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Whether keepalived reads a `<BOOL>` after the flag `keyword` (it ignores one after the others).
fn takes_boolean(keyword: &str) -> bool {
    matches!(
        keyword.trim_start_matches("vrrp_"),
        "strict"
            | "skip_check_adv_addr"
            | "lower_prio_no_advert"
            | "higher_prio_send_advert"
            | "min_garp"
            | "v3_checksum_as_v2"
            | "strict_mode"
            | "notify_priority_changes"
            | "use_symlink_paths"
            | "data_use_instance"
            | "owner_ignore_adverts"
    )
}

/// `12`, `0.1`, `1.25` as an exact duration: digits, optionally a point and up to nine more.
fn decimal_seconds(text: &str) -> Option<Duration> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(Duration::new(whole.parse().ok()?, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_read_exactly() {
        assert_eq!(decimal_seconds("0.1"), Some(Duration::from_millis(100)));
        assert_eq!(decimal_seconds("3"), Some(Duration::from_secs(3)));
        assert_eq!(decimal_seconds("1.000000001"), Some(Duration::new(1, 1)));
        for bad in ["", ".5", "1e3", "-1", "fast", "1.0000000001"] {
            assert_eq!(decimal_seconds(bad), None, "{bad:?}");
        }
    }
}
