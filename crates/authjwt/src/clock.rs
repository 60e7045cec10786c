//! The source of the current time, injectable so expiry can be tested without sleeping.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch (UTC), as JWT
/// `NumericDate` claims count it.
///
/// The configuration uses [`SystemClock`] unless told otherwise; tests give it a
/// [`FixedClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since the Unix epoch, truncated.
    fn now(&self) -> i64;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            Err(before_epoch) => {
                i64::try_from(before_epoch.duration().as_secs()).map_or(i64::MIN, |secs| -secs)
            }
        }
    }
}

/// A clock that only moves when told to.
///
/// ```
/// use authjwt::{Clock, FixedClock};
///
/// let clock = FixedClock::new(1_700_000_000);
/// clock.advance(60);
/// assert_eq!(clock.now(), 1_700_000_060);
/// clock.set(5);
/// assert_eq!(clock.now(), 5);
/// ```
#[derive(Debug, Default)]
pub struct FixedClock {
    seconds: AtomicI64,
}

impl FixedClock {
    /// A clock standing at `seconds` since the Unix epoch.
    #[must_use]
    pub fn new(seconds: i64) -> Self {
        Self {
            seconds: AtomicI64::new(seconds),
        }
    }

    /// Moves the clock to `seconds`.
    pub fn set(&self, seconds: i64) {
        self.seconds.store(seconds, Ordering::SeqCst);
    }

    /// Moves the clock forward by `seconds` (backward if negative).
    pub fn advance(&self, seconds: i64) {
        self.seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.seconds.load(Ordering::SeqCst)
    }
}

/// The pipeline accepts a token while `now <= expires_at` in whole seconds, that is up to
/// the end of the second `expires_at`: the entry must outlive it, hence the `+ 1`. `None`
/// once that second is over.
pub(crate) fn time_to_live(expires_at: i64, now: i64) -> Option<Duration> {
    let seconds = i128::from(expires_at) - i128::from(now) + 1;
    (seconds > 0).then(|| Duration::from_secs(u64::try_from(seconds).unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::time_to_live;

    #[test]
    fn the_entry_outlives_the_last_second_the_token_passes() {
        assert_eq!(time_to_live(1_130, 1_000), Some(Duration::from_secs(131)));
        assert_eq!(time_to_live(1_000, 1_000), Some(Duration::from_secs(1)));
        assert_eq!(time_to_live(999, 1_000), None);
        assert_eq!(time_to_live(i64::MIN, i64::MAX), None);
        assert_eq!(
            time_to_live(i64::MAX, i64::MIN),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
