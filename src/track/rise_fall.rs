//! A check's state with hysteresis: keepalived's `rise` and `fall`.

/// Whether a check is good, changed only by `rise` successes or `fall` failures in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    successes: u32,
    failures: u32,
    good: bool,
}

impl RiseFall {
    /// A check that turns good after `rise` successes in a row and failing after `fall` failures
    /// in a row, now `good` or not.
    pub fn new(rise: u32, fall: u32, good: bool) -> Self {
        Self {
            rise,
            fall,
            successes: 0,
            failures: 0,
            good,
        }
    }

    /// Whether the check is good.
    pub fn is_good(&self) -> bool {
        self.good
    }

    /// Sets the state from other evidence (a server that refused a client's connection, say).
    /// The counts go on: successes already counted still count towards `rise`.
    pub fn set_good(&mut self, good: bool) {
        self.good = good;
    }

    /// Counts one result; returns the new state when it changes.
    pub fn record(&mut self, success: bool) -> Option<bool> {
        if success {
            self.successes = self.successes.saturating_add(1);
            self.failures = 0;
        } else {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
        }
        let flips = if self.good {
            self.failures >= self.fall
        } else {
            self.successes >= self.rise
        };
        flips.then(|| {
            self.good = !self.good;
            self.good
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_failures_in_a_row_make_it_failing_and_rise_successes_good_again() {
        let mut check = RiseFall::new(2, 3, true);
        let results = [false, false, true, false, false, false, false, true, true];
        let changes: Vec<Option<bool>> = results.iter().map(|&r| check.record(r)).collect();
        assert_eq!(
            changes,
            [
                None,
                None,
                None,
                None,
                None,
                Some(false),
                None,
                None,
                Some(true)
            ]
        );
        assert!(check.is_good());
    }

    #[test]
    fn a_state_set_from_outside_keeps_the_counts() {
        let mut check = RiseFall::new(2, 1, true);
        assert_eq!(check.record(true), None);
        check.set_good(false);
        // One success counted before, one now: rise 2 reached.
        assert_eq!(check.record(true), Some(true));
    }
}
