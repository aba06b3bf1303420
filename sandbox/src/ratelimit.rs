//! A rate limit on the partner's API requests, as Partner Center throttles a partner: a token
//! bucket that refills at the limit and holds a burst. A request that finds it empty is answered
//! 429 with `Retry-After`: the whole seconds until a token is back.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How many API requests per second the partner may make (`--rate-limit`,
/// `PUT /admin/rate-limit`). The sandbox serves one partner, so this is its whole API.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The average the partner may keep up.
    pub requests_per_second: f64,
    /// How many requests it may make at once after a quiet spell; absent: one second's worth,
    /// at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<f64>,
}

/// A rate limit that cannot be enforced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRateLimit {
    #[error("requests_per_second must be a number greater than 0")]
    Rate,
    #[error("burst must be a number of at least 1")]
    Burst,
}

impl RateLimit {
    fn burst(&self) -> f64 {
        self.burst.unwrap_or(self.requests_per_second.max(1.0))
    }

    pub(crate) fn validate(&self) -> Result<(), InvalidRateLimit> {
        if !(self.requests_per_second.is_finite() && self.requests_per_second > 0.0) {
            return Err(InvalidRateLimit::Rate);
        }
        if self.burst.is_some_and(|b| !(b.is_finite() && b >= 1.0)) {
            return Err(InvalidRateLimit::Burst);
        }
        Ok(())
    }
}

/// The partner's bucket; without a limit every request passes.
#[derive(Debug)]
pub(crate) struct Bucket {
    limit: Option<RateLimit>,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket for `limit`.
    pub(crate) fn new(limit: Option<RateLimit>, now: Instant) -> Self {
        Self {
            limit,
            tokens: limit.map_or(0.0, |l| l.burst()),
            updated: now,
        }
    }

    pub(crate) fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// Takes a token for one request, or tells how long until there is one.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.requests_per_second).min(limit.burst());
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / limit.requests_per_second,
            ))
        }
    }
}

/// `Retry-After` for a wait: whole seconds, rounded up, at least one.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests_per_second: f64, burst: Option<f64>) -> Option<RateLimit> {
        Some(RateLimit {
            requests_per_second,
            burst,
        })
    }

    #[test]
    fn a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(limit(10.0, None), start);
        for _ in 0..10 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        assert_eq!(bucket.take(start), Err(Duration::from_millis(100)));
        // A tenth of a second refills one request's worth, no more.
        let later = start + Duration::from_millis(100);
        assert_eq!(bucket.take(later), Ok(()));
        assert!(bucket.take(later).is_err());
        // A quiet spell refills up to the burst only.
        let much_later = later + Duration::from_secs(60);
        let taken = (0..20).filter(|_| bucket.take(much_later).is_ok()).count();
        assert_eq!(taken, 10);
    }

    #[test]
    fn slow_limits_and_explicit_bursts() {
        let start = Instant::now();
        let mut bucket = Bucket::new(limit(0.5, Some(3.0)), start);
        for _ in 0..3 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        let wait = bucket.take(start).expect_err("empty");
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(retry_after_secs(wait), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(20)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2100)), 3);
        let mut open = Bucket::new(None, start);
        assert!((0..1000).all(|_| open.take(start).is_ok()));
    }

    #[test]
    fn unenforceable_limits_are_refused() {
        for (rate, burst, refusal) in [
            (0.0, None, InvalidRateLimit::Rate),
            (f64::NAN, None, InvalidRateLimit::Rate),
            (-1.0, None, InvalidRateLimit::Rate),
            (10.0, Some(0.5), InvalidRateLimit::Burst),
            (10.0, Some(f64::INFINITY), InvalidRateLimit::Burst),
        ] {
            let limit = RateLimit {
                requests_per_second: rate,
                burst,
            };
            assert_eq!(limit.validate(), Err(refusal), "{limit:?}");
        }
        assert_eq!(limit(0.1, None).map(|l| l.validate()), Some(Ok(())));
    }
}
