//! Partner Center's throttling, shared by every call of the process: the window a 429 announced,
//! and the pace learned from the 429s, so that the calls stop colliding with the partner's limit.
//!
//! Partner Center limits requests per partner over windows of whole seconds and answers 429 with
//! `Retry-After` past the limit. A 429 holds every call until the window it announced ends (the
//! others would only collect 429s of their own) and teaches the limit: the requests Partner
//! Center accepted since sending last resumed, over the time they took (at least the window it
//! announced, at least a second), when there were enough of them to tell a limit from chance.
//! From then on the calls go out one per learned interval, a little below the limit, instead of
//! bursting into it again after each window.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::retry::RetryPolicy;

/// The shortest span a limit is counted over: Partner Center announces its windows in seconds.
const MIN_SPAN: Duration = Duration::from_secs(1);
/// The share of the learned limit used, so that rounding and the time between the client's clock
/// and the server's never put a window one request over.
const HEADROOM: f64 = 0.95;
/// The fewest accepted requests a lesson is drawn from: fewer say more about chance (a 429 from
/// an overloaded front end) than about the partner's limit, and a pace learned from them could
/// slow a whole run to a crawl.
const MIN_LESSON: u64 = 10;
/// A pace is forgotten after this long without a 429: the limit may have been raised, or the
/// 429s were a passing overload. The next 429 teaches it again.
const PACE_MEMORY: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The end of the last throttling window announced.
    hold_until: Option<Instant>,
    pace: Option<Pace>,
    /// Requests sent from this instant on count towards the next lesson: the end of the last
    /// hold, or the first request.
    epoch: Option<Instant>,
    /// How many of those Partner Center answered with anything but 429.
    accepted: u64,
}

#[derive(Clone, Copy, Debug)]
struct Pace {
    interval: Duration,
    next_slot: Instant,
    last_throttled: Instant,
}

impl Throttle {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the end of the throttling window and for this request's slot of the pace.
    pub(crate) async fn wait(&self) {
        let start = {
            let mut state = self.state();
            let now = Instant::now();
            state.epoch.get_or_insert(now);
            let mut start = state.hold_until.filter(|until| *until > now).unwrap_or(now);
            if state
                .pace
                .is_some_and(|pace| now.duration_since(pace.last_throttled) >= PACE_MEMORY)
            {
                state.pace = None;
            }
            if let Some(pace) = &mut state.pace {
                start = start.max(pace.next_slot);
                pace.next_slot = start + pace.interval;
            }
            start
        };
        if start > Instant::now() {
            tokio::time::sleep_until(start).await;
        }
    }

    /// A request sent at `sent` was answered with anything but 429.
    pub(crate) fn accepted(&self, sent: Instant) {
        let mut state = self.state();
        if state.epoch.is_some_and(|epoch| sent >= epoch) {
            state.accepted += 1;
        }
    }

    /// A request sent at `sent` was answered 429, with the wait Partner Center asked for if any.
    pub(crate) fn throttled(&self, sent: Instant, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut state = self.state();
        let wait = retry_after.map(|wait| wait.min(RetryPolicy::MAX_DELAY_LIMIT));
        let epoch = *state.epoch.get_or_insert(sent);
        // A request sent before sending last resumed went out before the last lesson: it
        // teaches nothing new.
        let learns = sent >= epoch;
        if learns {
            let span = now
                .saturating_duration_since(epoch)
                .max(wait.unwrap_or_default())
                .max(MIN_SPAN);
            let interval = match (state.accepted, state.pace) {
                // Not one request got through: the limit is below the pace, if there is one.
                (0, Some(pace)) => Some(pace.interval.saturating_mul(2)),
                (accepted, pace) if accepted >= MIN_LESSON => {
                    let achieved = span.div_f64(accepted as f64);
                    match pace {
                        // Paced, and nearly all of the pace got through: the limit is about the
                        // pace, which already keeps its headroom. Taking it off again at each
                        // such 429 would slow the run a little more every time.
                        Some(pace) if achieved.mul_f64(HEADROOM) <= pace.interval => {
                            Some(pace.interval)
                        }
                        _ => Some(achieved.div_f64(HEADROOM)),
                    }
                }
                (_, pace) => pace.map(|pace| pace.interval),
            };
            state.pace = interval.map(|interval| Pace {
                interval,
                next_slot: now,
                last_throttled: now,
            });
        }
        let extended = wait.is_some_and(|wait| {
            let end = now + wait;
            let longer = state.hold_until.is_none_or(|until| end > until);
            if longer {
                state.hold_until = Some(end);
            }
            longer
        });
        if let Some(pace) = &mut state.pace {
            pace.last_throttled = now;
        }
        if learns || extended {
            state.epoch = Some(state.hold_until.map_or(now, |until| until.max(now)));
            state.accepted = 0;
        }
    }

    #[cfg(test)]
    fn interval(&self) -> Option<Duration> {
        self.state().pace.map(|pace| pace.interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn no_429_no_wait() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for _ in 0..1000 {
            throttle.wait().await;
            throttle.accepted(Instant::now());
        }
        assert_eq!(Instant::now(), start);
        assert_eq!(throttle.interval(), None);
    }

    /// A 429 holds every call until its window ends, and another call's shorter 429 does not
    /// end it early.
    #[tokio::test(start_paused = true)]
    async fn a_window_holds_every_call_and_only_grows() {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        throttle.throttled(sent, Some(5 * SECOND));
        throttle.throttled(sent, Some(2 * SECOND));
        throttle.wait().await;
        assert!(Instant::now() >= sent + 5 * SECOND);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_429_teaches_the_pace() {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..100 {
            throttle.accepted(sent);
        }
        // 100 accepted, then "try again in 1 second": 100 a second, used at 95 a second.
        throttle.throttled(sent, Some(SECOND));
        assert_eq!(throttle.interval(), Some(SECOND.div_f64(95.0)));
        // A 429 of a request sent before the hold teaches nothing more.
        throttle.throttled(sent, Some(SECOND));
        assert_eq!(throttle.interval(), Some(SECOND.div_f64(95.0)));
        throttle.wait().await;
        let resumed = Instant::now();
        assert!(resumed >= sent + SECOND);
        throttle.wait().await;
        // The next slot of the pace (tokio's timer counts whole milliseconds).
        let gap = Instant::now() - resumed;
        assert!(
            (SECOND / 95..=SECOND / 95 + Duration::from_millis(1)).contains(&gap),
            "{gap:?}"
        );
    }

    /// A throttle that has learned a pace: ten requests accepted, then a 429 for a second.
    async fn paced() -> Throttle {
        let throttle = Throttle::default();
        throttle.wait().await;
        for _ in 0..MIN_LESSON {
            throttle.accepted(Instant::now());
        }
        throttle.throttled(Instant::now(), Some(SECOND));
        throttle
    }

    /// A 429 that meets the pace at full speed keeps it: the headroom is taken once, not once
    /// per 429.
    #[tokio::test(start_paused = true)]
    async fn a_429_at_the_pace_keeps_it() {
        let throttle = paced().await;
        let learned = throttle.interval().expect("a pace");
        throttle.wait().await;
        let resumed = Instant::now();
        for _ in 0..200 {
            throttle.wait().await;
            throttle.accepted(Instant::now());
        }
        throttle.throttled(Instant::now(), Some(SECOND));
        assert!(Instant::now() - resumed >= learned * 200);
        assert_eq!(throttle.interval(), Some(learned));
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_accepted_halves_the_pace() {
        let throttle = paced().await;
        let learned = throttle.interval().expect("a pace");
        throttle.wait().await;
        throttle.throttled(Instant::now(), Some(SECOND));
        assert_eq!(throttle.interval(), Some(learned * 2));
    }

    /// A 429 after too few answers teaches nothing: it may be chance rather than a limit.
    #[tokio::test(start_paused = true)]
    async fn a_429_after_few_answers_holds_without_a_pace() {
        let throttle = Throttle::default();
        throttle.wait().await;
        for _ in 1..MIN_LESSON {
            throttle.accepted(Instant::now());
        }
        throttle.throttled(Instant::now(), Some(SECOND));
        assert_eq!(throttle.interval(), None);
        throttle.wait().await;
        throttle.throttled(Instant::now(), None);
        assert_eq!(throttle.interval(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_is_forgotten_after_a_quiet_minute() {
        let throttle = paced().await;
        assert!(throttle.interval().is_some());
        tokio::time::sleep(PACE_MEMORY).await;
        let start = Instant::now();
        throttle.wait().await;
        throttle.wait().await;
        assert_eq!(Instant::now(), start);
        assert_eq!(throttle.interval(), None);
    }

    /// A partner's limit as a server enforces it: `limit` requests per window of a second,
    /// counted from the server's start, or a token bucket of `limit` a second holding a second's
    /// worth. Past it, 429 with the seconds to wait, rounded up.
    #[derive(Debug)]
    struct Limiter {
        limit: u64,
        start: Instant,
        bucket: bool,
        state: Mutex<(u64, u64, f64, Instant)>,
        throttled: AtomicU64,
    }

    impl Limiter {
        fn new(limit: u64, bucket: bool) -> Self {
            let start = Instant::now();
            Self {
                limit,
                start,
                bucket,
                state: Mutex::new((0, 0, limit as f64, start)),
                throttled: AtomicU64::new(0),
            }
        }

        /// `Ok` or the `Retry-After` of a 429.
        fn admit(&self) -> Result<(), Duration> {
            let now = Instant::now();
            let mut guard = self.state.lock().expect("limiter");
            let (window, count, tokens, refilled) = &mut *guard;
            let verdict = if self.bucket {
                let rate = self.limit as f64;
                *tokens = (*tokens + (now - *refilled).as_secs_f64() * rate).min(rate);
                *refilled = now;
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    Ok(())
                } else {
                    Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
                }
            } else {
                let elapsed = now - self.start;
                let current = elapsed.as_secs();
                if current != *window {
                    *window = current;
                    *count = 0;
                }
                *count += 1;
                if *count <= self.limit {
                    Ok(())
                } else {
                    Err(Duration::from_secs(current + 1) - elapsed)
                }
            };
            verdict.map_err(|wait| {
                self.throttled.fetch_add(1, Ordering::Relaxed);
                Duration::from_secs(wait.as_secs_f64().ceil() as u64)
            })
        }
    }

    /// `requests` calls by `parallelism` workers through one throttle to `limiter`, each with a
    /// round trip of 2 ms, retrying a 429 after its `Retry-After`; the 429s the server answered.
    async fn drive(limiter: Arc<Limiter>, requests: u64, parallelism: usize) -> u64 {
        let throttle = Arc::new(Throttle::default());
        let next = Arc::new(AtomicU64::new(0));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..parallelism {
            let (throttle, next, limiter) = (throttle.clone(), next.clone(), limiter.clone());
            workers.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    loop {
                        throttle.wait().await;
                        let sent = Instant::now();
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        let verdict = limiter.admit();
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        match verdict {
                            Ok(()) => {
                                throttle.accepted(sent);
                                break;
                            }
                            Err(wait) => {
                                throttle.throttled(sent, Some(wait));
                                tokio::time::sleep(wait).await;
                            }
                        }
                    }
                }
            });
        }
        while workers.join_next().await.is_some() {}
        let interval = throttle.interval().expect("a pace was learned");
        let pace = 1.0 / interval.as_secs_f64();
        let limit = limiter.limit as f64;
        assert!(
            (0.85 * limit..=limit).contains(&pace),
            "learned {pace:.1} a second against a limit of {limit}"
        );
        limiter.throttled.load(Ordering::Relaxed)
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_window_limit_is_learned_and_kept() {
        let limiter = Arc::new(Limiter::new(100, false));
        let throttled = drive(limiter, 5_000, 50).await;
        // The first window's burst collides; after that, the pace keeps under the limit.
        assert!(throttled <= 100, "{throttled} 429s for 5,000 requests");
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_bucket_limit_is_learned_and_kept() {
        let limiter = Arc::new(Limiter::new(100, true));
        let throttled = drive(limiter, 5_000, 50).await;
        assert!(throttled <= 100, "{throttled} 429s for 5,000 requests");
    }
}
