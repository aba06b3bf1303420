//! Backoff between attempts: exponential with jitter, and server-given `Retry-After` kept in bounds.

use std::time::{Duration, SystemTime};

/// Bounds of the waits between attempts of one logical call.
///
/// The wait before retry `n` (0-based) is drawn from `[c/2, c]` with `c = min(base * 2^n, max)`
/// ("equal jitter": it grows, yet parallel callers spread out). A server's `Retry-After` is
/// honoured in full (up to [`RetryPolicy::MAX_DELAY_LIMIT`]), plus up to `base` of jitter so that
/// callers told the same wait do not all come back in the same instant: retrying earlier than
/// the server asked would only earn another 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    base: Duration,
    max: Duration,
}

/// Why a [`RetryPolicy`] was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRetryPolicy {
    #[error("the base retry delay must be greater than zero")]
    ZeroBase,
    #[error("the base retry delay ({base:?}) is longer than the maximum ({max:?})")]
    BaseAboveMax { base: Duration, max: Duration },
    #[error("the maximum retry delay ({max:?}) is longer than {limit:?}", limit = RetryPolicy::MAX_DELAY_LIMIT)]
    MaxTooLong { max: Duration },
}

impl RetryPolicy {
    /// No single wait may be longer than this: past it, a user would rather see the error.
    pub const MAX_DELAY_LIMIT: Duration = Duration::from_secs(3600);

    pub fn new(base: Duration, max: Duration) -> Result<Self, InvalidRetryPolicy> {
        if base.is_zero() {
            Err(InvalidRetryPolicy::ZeroBase)
        } else if base > max {
            Err(InvalidRetryPolicy::BaseAboveMax { base, max })
        } else if max > Self::MAX_DELAY_LIMIT {
            Err(InvalidRetryPolicy::MaxTooLong { max })
        } else {
            Ok(Self { base, max })
        }
    }

    pub fn base(&self) -> Duration {
        self.base
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    /// The wait before retry number `attempt` (0 for the first retry). `jitter` is a uniform draw
    /// from `[0, 1]`; values outside are clamped so that no input can panic.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let backoff = ceiling.mul_f64(0.5 + 0.5 * jitter);
        match retry_after {
            Some(server) => {
                backoff.max(server.min(Self::MAX_DELAY_LIMIT) + self.base.mul_f64(jitter))
            }
            None => backoff,
        }
    }
}

impl Default for RetryPolicy {
    /// One second doubling up to a minute: a minute covers Partner Center's usual throttling window.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP-date (a past date means "now").
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurd number of seconds is still a request to wait long; the policy bounds it.
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Reads the wait out of Partner Center's throttling message
/// ("Rate limit is exceeded. Try again in 57 seconds."), for answers without the header.
pub(crate) fn retry_after_from_message(message: &str) -> Option<Duration> {
    let (_, rest) = message.split_once("again in ")?;
    let digits: &str = rest.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy(base_ms: u64, max_ms: u64) -> RetryPolicy {
        RetryPolicy::new(
            Duration::from_millis(base_ms),
            Duration::from_millis(max_ms),
        )
        .expect("valid policy")
    }

    #[test]
    fn bounds_are_validated() {
        let s = Duration::from_secs;
        assert_eq!(
            RetryPolicy::new(Duration::ZERO, s(1)),
            Err(InvalidRetryPolicy::ZeroBase)
        );
        assert!(matches!(
            RetryPolicy::new(s(2), s(1)),
            Err(InvalidRetryPolicy::BaseAboveMax { .. })
        ));
        assert!(matches!(
            RetryPolicy::new(s(1), s(7200)),
            Err(InvalidRetryPolicy::MaxTooLong { .. })
        ));
        assert!(RetryPolicy::new(s(1), s(1)).is_ok());
    }

    #[test]
    fn doubles_then_caps() {
        let p = policy(100, 1000);
        let full = |n| p.delay(n, None, 1.0).as_millis();
        assert_eq!(
            [full(0), full(1), full(2), full(3), full(4)],
            [100, 200, 400, 800, 1000]
        );
        assert_eq!(p.delay(0, None, 0.0), Duration::from_millis(50));
    }

    #[test]
    fn retry_after_is_honoured_in_full_with_jitter_on_top() {
        let p = policy(100, 1000);
        assert_eq!(
            p.delay(0, Some(Duration::from_millis(700)), 0.0)
                .as_millis(),
            700
        );
        // Longer than the policy's own maximum: the server knows when its window ends.
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(57)), 0.0).as_millis(),
            57_000
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(57)), 1.0).as_millis(),
            57_100
        );
        assert_eq!(
            p.delay(0, Some(Duration::MAX), 0.0),
            RetryPolicy::MAX_DELAY_LIMIT
        );
        // A zero wait still backs off.
        assert_eq!(p.delay(0, Some(Duration::ZERO), 0.0).as_millis(), 50);
    }

    #[test]
    fn retry_after_header_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(" 57 ", now),
            Some(Duration::from_secs(57))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
    }

    #[test]
    fn retry_after_from_partner_center_message() {
        let msg = "Rate limit is exceeded. Try again in 57 seconds.";
        assert_eq!(retry_after_from_message(msg), Some(Duration::from_secs(57)));
        assert_eq!(retry_after_from_message("Rate limit is exceeded."), None);
        assert_eq!(retry_after_from_message("Try again in a moment"), None);
    }

    proptest! {
        #[test]
        fn delay_stays_in_window(
            base in 1u64..10_000,
            extra in 0u64..100_000,
            attempt in any::<u32>(),
            jitter in any::<f64>(),
            server in proptest::option::of(0u64..10_000_000),
        ) {
            let p = policy(base, base + extra);
            let server = server.map(Duration::from_millis);
            let d = p.delay(attempt, server, jitter);
            prop_assert!(d >= p.base() / 2);
            match server {
                Some(s) => {
                    let honoured = s.min(RetryPolicy::MAX_DELAY_LIMIT);
                    prop_assert!(d >= honoured);
                    prop_assert!(d <= p.max().max(honoured + p.base()));
                }
                None => prop_assert!(d <= p.max()),
            }
        }

        #[test]
        fn full_jitter_ceiling_never_shrinks(base in 1u64..10_000, extra in 0u64..100_000, attempt in 0u32..64) {
            let p = policy(base, base + extra);
            prop_assert!(p.delay(attempt, None, 1.0) <= p.delay(attempt + 1, None, 1.0));
        }

        #[test]
        fn seconds_round_trip(secs in any::<u64>()) {
            let now = SystemTime::UNIX_EPOCH;
            prop_assert_eq!(parse_retry_after(&secs.to_string(), now), Some(Duration::from_secs(secs)));
        }

        #[test]
        fn http_date_round_trip(now_secs in 0u64..4_000_000_000, ahead in 0u64..1_000_000) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
            let header = httpdate::fmt_http_date(now + Duration::from_secs(ahead));
            prop_assert_eq!(parse_retry_after(&header, now), Some(Duration::from_secs(ahead)));
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".*") {
            let _ = parse_retry_after(&text, SystemTime::UNIX_EPOCH);
            let _ = retry_after_from_message(&text);
        }
    }
}
