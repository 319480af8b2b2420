//! How late the event loop served its deadlines: a histogram of the time from the earliest
//! deadline due to the wake-up that served it (one sample per wake-up that found one due). A loaded host, a stalled process or a real-time process that
//! outranks the routers shows here before it costs an election.

use std::time::Duration;

/// The upper bounds of the [`Lateness`] buckets; a last one takes the rest.
pub const LATENESS_BUCKETS: [Duration; 7] = [
    Duration::from_micros(100),
    Duration::from_millis(1),
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_secs(1),
];

/// How late each deadline was served, bucketed by [`LATENESS_BUCKETS`], with their sum and the
/// worst.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lateness {
    counts: [u64; LATENESS_BUCKETS.len() + 1],
    sum: Duration,
    max: Duration,
}

impl Lateness {
    /// Counts a deadline served `late`.
    pub fn record(&mut self, late: Duration) {
        let bucket = LATENESS_BUCKETS
            .iter()
            .position(|&bound| late <= bound)
            .unwrap_or(LATENESS_BUCKETS.len());
        self.counts[bucket] += 1;
        self.sum = self.sum.saturating_add(late);
        self.max = self.max.max(late);
    }

    /// How many deadlines were served.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// How late they were in all.
    pub fn sum(&self) -> Duration {
        self.sum
    }

    /// The latest one.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// Each bucket's upper bound (`None` for the last, unbounded one) and how many deadlines fell
    /// in it, not counting the buckets before.
    pub fn buckets(&self) -> impl Iterator<Item = (Option<Duration>, u64)> + '_ {
        let bounds = LATENESS_BUCKETS.iter().copied().map(Some).chain([None]);
        bounds.zip(self.counts.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_deadline_falls_in_the_first_bucket_that_holds_it() {
        let mut lateness = Lateness::default();
        for micros in [0, 100, 101, 1_000, 20_000, 2_000_000] {
            lateness.record(Duration::from_micros(micros));
        }
        let counts: Vec<u64> = lateness.buckets().map(|(_, n)| n).collect();
        assert_eq!(counts, [2, 2, 0, 0, 1, 0, 0, 1]);
        assert_eq!(lateness.count(), 6);
        assert_eq!(lateness.max(), Duration::from_secs(2));
        assert_eq!(lateness.sum(), Duration::from_micros(2_021_201));
    }
}
