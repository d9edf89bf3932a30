//! When to try a request again, and how long to wait first: exponential backoff with full
//! jitter (so many fetches that failed together do not come back together), or the
//! server's own `Retry-After` when it gives one, within a cap.

use std::time::{Duration, SystemTime};

/// How retries are spaced.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first backoff's upper bound; it doubles for each retry.
    pub base: Duration,
    /// No backoff, and no honoured `Retry-After`, is longer than this.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry): the server's
    /// `Retry-After` if given and within the cap, else a random wait up to the doubled base.
    /// `None` when the server asks for longer than the cap: waiting would hold up the run,
    /// hammering would ignore the server, so the fetch gives up.
    pub(crate) fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(asked) = retry_after {
            return (asked <= self.max_wait).then_some(asked);
        }
        let exponent = retry.saturating_sub(1).min(16);
        let ceiling = self.base.saturating_mul(1 << exponent).min(self.max_wait);
        Some(ceiling.mul_f64(rand::random::<f64>()))
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = httpdate::parse_http_date("Wed, 25 Nov 2026 12:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_within_the_cap_and_long_retry_after_gives_up() {
        let policy = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            max_wait: Duration::from_secs(1),
        };
        for _ in 0..50 {
            assert!(policy.wait(1, None).unwrap() <= Duration::from_millis(100));
            assert!(policy.wait(3, None).unwrap() <= Duration::from_millis(400));
            assert!(policy.wait(9, None).unwrap() <= Duration::from_secs(1));
        }
        let asked = Some(Duration::from_millis(700));
        assert_eq!(policy.wait(1, asked), asked);
        assert_eq!(policy.wait(1, Some(Duration::from_secs(90))), None);
    }
}
