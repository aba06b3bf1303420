//! Partner Center's throttling, shared by every call of the process: see [`Throttle`].

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::retry::RetryPolicy;

/// The shortest sample a rate is measured over: Partner Center announces its windows in seconds.
const MIN_SAMPLE_SPAN: Duration = Duration::from_secs(1);
/// The share of the measured rate that is used, so that rounding and the skew between the
/// client's clock and the server's never put a window one request over.
const HEADROOM: f64 = 0.95;
/// The fewest accepted requests a rate is measured from: fewer say more about chance (a 429
/// from an overloaded front end) than about the partner's limit, and a rate measured from them
/// could slow a whole run to a crawl.
const MIN_SAMPLE: u64 = 10;
/// The 429s among the answers to requests concurrent with a candidate's 429 that confirm it.
const CONFIRMING_429S: u32 = 2;
/// How long a rate estimate lives without a 429: the limit may have been raised, or the 429s
/// were a passing overload. The next 429 measures it again, at the price of a burst of 429s
/// (one per request in flight), so not too often: a partner's limit rarely changes by the
/// minute.
const RATE_TTL: Duration = Duration::from_secs(300);

/// Client-side rate limiting learned from Partner Center's 429s, shared by every request of
/// the process.
///
/// Partner Center limits requests per partner over windows of whole seconds and answers 429,
/// with `Retry-After`, past the limit. Two mechanisms answer it:
///
/// - **The `Retry-After` window.** A 429 holds every request until the window it announced
///   ends (the others would only collect 429s of their own); a later, shorter window never
///   ends it early.
/// - **A rate estimate, enforced by pacing.** Requests start one per `interval`, each taking
///   the next slot: a token bucket holding one token (GCRA without burst tolerance). The rate
///   is measured on a 429 from the sample of requests sent since the last window ended (or
///   since the first request): the ones Partner Center accepted, over the sample's span (at
///   least the announced window, at least [`MIN_SAMPLE_SPAN`]), less [`HEADROOM`], when there
///   are at least [`MIN_SAMPLE`] of them. A 429 at a rate when the sample holds no acceptance
///   halves the rate. Both only lower the rate, as AIMD's multiplicative decrease does; there
///   is no additive increase: instead the estimate expires after [`RATE_TTL`] without a 429,
///   requests go out unpaced, and the next 429 measures the limit again.
///
/// A measured rate is a candidate until the requests that were in flight when its 429 arrived
/// have answered: it is adopted once [`CONFIRMING_429S`] of them are refused too, and no fewer
/// than are accepted (a limit refuses every request past it); it is dropped once acceptances
/// clearly outnumber refusals (the 429 came by chance, from an overloaded front end).
///
/// What it guarantees: without a 429, no request ever waits. No request starts inside a window
/// a 429 announced, even one announced while it waited for its slot (every change of window or
/// rate starts a new generation, and a slot given in an older one is given again). The
/// enforced rate is below the rate Partner Center was measured to accept. A lone 429 costs its
/// window and no more. A `Retry-After` is honoured up to [`RetryPolicy::MAX_DELAY_LIMIT`].
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The end of the last `Retry-After` window announced.
    window_end: Option<Instant>,
    rate: Option<Rate>,
    /// Requests sent from this instant on make up the sample the next rate is measured from:
    /// the end of the last window, or the first request.
    sample_start: Option<Instant>,
    /// How many requests of the sample Partner Center answered with anything but 429.
    sample_accepted: u64,
    /// Counts the windows and rates set, so that a request waiting for a slot given in an
    /// older generation takes a new slot.
    generation: u64,
    /// The rate the last 429 measured, until the requests concurrent with it confirm it.
    candidate: Option<Candidate>,
}

/// A measured rate waiting for the answers to the requests sent before its 429 arrived.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    interval: Duration,
    measured_at: Instant,
    concurrent_429s: u32,
    concurrent_accepted: u32,
}

/// The enforced rate: one request start per `interval`.
#[derive(Clone, Copy, Debug)]
struct Rate {
    interval: Duration,
    next_slot: Instant,
    last_429: Instant,
}

impl State {
    /// The candidate, when a request sent at `sent` was in flight when its 429 arrived.
    fn concurrent_candidate(&mut self, sent: Instant) -> Option<&mut Candidate> {
        self.candidate
            .as_mut()
            .filter(|candidate| sent <= candidate.measured_at)
    }

    /// Counts an acceptance of a request concurrent with the candidate's 429, and drops the
    /// candidate once acceptances clearly outnumber refusals: the 429 came by chance.
    fn refute(&mut self, sent: Instant) {
        if let Some(candidate) = self.concurrent_candidate(sent) {
            candidate.concurrent_accepted += 1;
            if candidate.concurrent_accepted > 2 * candidate.concurrent_429s + 1 {
                self.candidate = None;
            }
        }
    }

    /// Counts a 429 of a request concurrent with the candidate's 429, and adopts the
    /// candidate once enough of them agree.
    fn confirm(&mut self, sent: Instant, now: Instant) {
        let Some(candidate) = self.concurrent_candidate(sent) else {
            return;
        };
        candidate.concurrent_429s += 1;
        if candidate.concurrent_429s >= CONFIRMING_429S
            && candidate.concurrent_429s >= candidate.concurrent_accepted
        {
            self.rate = Some(Rate {
                interval: candidate.interval,
                next_slot: now,
                last_429: now,
            });
            self.candidate = None;
            self.generation += 1;
        }
    }
}

impl Throttle {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the end of the `Retry-After` window and for this request's slot of the rate.
    pub(crate) async fn wait(&self) {
        loop {
            let (start, generation) = self.slot();
            if start <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(start).await;
            // A 429 answered while this request slept set a new window or rate: its slot was
            // given in the old generation and could fall inside the new window.
            if self.state().generation == generation {
                return;
            }
        }
    }

    /// This request's start: the end of the window, or its slot of the rate.
    fn slot(&self) -> (Instant, u64) {
        let mut state = self.state();
        let now = Instant::now();
        state.sample_start.get_or_insert(now);
        let mut start = state.window_end.filter(|end| *end > now).unwrap_or(now);
        if state
            .rate
            .is_some_and(|rate| now.duration_since(rate.last_429) >= RATE_TTL)
        {
            state.rate = None;
            // The next sample starts here: requests sent at the expired rate say how fast the
            // client went, not how fast Partner Center lets it go, and would measure a rate a
            // little slower each time.
            state.sample_start = Some(now);
            state.sample_accepted = 0;
        }
        if let Some(rate) = &mut state.rate {
            start = start.max(rate.next_slot);
            rate.next_slot = start + rate.interval;
        }
        (start, state.generation)
    }

    /// A request sent at `sent` was answered with anything but 429.
    pub(crate) fn accepted(&self, sent: Instant) {
        let mut state = self.state();
        if state.sample_start.is_some_and(|start| sent >= start) {
            state.sample_accepted += 1;
        }
        state.refute(sent);
    }

    /// A request sent at `sent` was answered 429, with the wait Partner Center asked for if any.
    pub(crate) fn throttled(&self, sent: Instant, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut state = self.state();
        let wait = retry_after.map(|wait| wait.min(RetryPolicy::MAX_DELAY_LIMIT));
        state.confirm(sent, now);
        let sample_start = *state.sample_start.get_or_insert(sent);
        // A request sent before the sample started went out before the last window or rate:
        // it measures nothing new.
        let measures = sent >= sample_start;
        if measures {
            let span = now
                .saturating_duration_since(sample_start)
                .max(wait.unwrap_or_default())
                .max(MIN_SAMPLE_SPAN);
            let interval = match (state.sample_accepted, state.rate) {
                // Not one request got through: the limit is below the rate, if there is one.
                (0, Some(rate)) => Some(rate.interval.saturating_mul(2)),
                // A 429 met at a rate means the rate is above the limit: the rate achieved
                // since the last window, less the headroom, is below it.
                (accepted, _) if accepted >= MIN_SAMPLE => {
                    Some(span.div_f64(accepted as f64).div_f64(HEADROOM))
                }
                _ => None,
            };
            state.candidate = interval.map(|interval| Candidate {
                interval,
                measured_at: now,
                concurrent_429s: 0,
                concurrent_accepted: 0,
            });
        }
        let extended = wait.is_some_and(|wait| {
            let end = now + wait;
            let longer = state.window_end.is_none_or(|current| end > current);
            if longer {
                state.window_end = Some(end);
            }
            longer
        });
        if let Some(rate) = &mut state.rate {
            rate.last_429 = now;
        }
        if measures || extended {
            state.generation += 1;
            state.sample_start = Some(state.window_end.map_or(now, |end| end.max(now)));
            state.sample_accepted = 0;
        }
    }

    #[cfg(test)]
    fn interval(&self) -> Option<Duration> {
        self.state().rate.map(|rate| rate.interval)
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

    /// `refused` 429s answered to requests sent at `sent`: the first is the 429 that may
    /// measure a rate, the others those of the requests concurrent with it.
    fn concurrent_429s(throttle: &Throttle, sent: Instant, refused: u32) {
        for _ in 0..refused {
            throttle.throttled(sent, Some(SECOND));
        }
    }

    /// A throttle that has seen 100 requests sent at once (at the instant given with it), all
    /// accepted.
    async fn a_hundred_accepted() -> (Throttle, Instant) {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..100 {
            throttle.accepted(sent);
        }
        (throttle, sent)
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_429_sets_the_rate_once_concurrent_429s_confirm_it() {
        let (throttle, sent) = a_hundred_accepted().await;
        // 100 accepted, then "try again in 1 second": 100 a second, used at 95 a second, once
        // the requests concurrent with it are refused too.
        concurrent_429s(&throttle, sent, 1);
        assert_eq!(throttle.interval(), None);
        concurrent_429s(&throttle, sent, CONFIRMING_429S - 1);
        assert_eq!(throttle.interval(), None);
        concurrent_429s(&throttle, sent, 1);
        assert_eq!(throttle.interval(), Some(SECOND.div_f64(95.0)));
        // More 429s of requests sent before the window measure nothing more.
        concurrent_429s(&throttle, sent, 3);
        assert_eq!(throttle.interval(), Some(SECOND.div_f64(95.0)));
        throttle.wait().await;
        let resumed = Instant::now();
        assert!(resumed >= sent + SECOND);
        throttle.wait().await;
        // The next slot of the rate (tokio's timer counts whole milliseconds).
        let gap = Instant::now() - resumed;
        assert!(
            (SECOND / 95..=SECOND / 95 + Duration::from_millis(1)).contains(&gap),
            "{gap:?}"
        );
    }

    /// A 429 whose concurrent requests are accepted came by chance: it holds, and sets no
    /// rate.
    #[tokio::test(start_paused = true)]
    async fn a_429_by_chance_only_holds() {
        let (throttle, sent) = a_hundred_accepted().await;
        concurrent_429s(&throttle, sent, 1);
        for _ in 0..3 {
            throttle.accepted(sent);
        }
        concurrent_429s(&throttle, sent, CONFIRMING_429S);
        assert_eq!(throttle.interval(), None);
        throttle.wait().await;
        assert!(Instant::now() >= sent + SECOND);
    }

    /// A throttle with a rate: ten requests accepted, then 429s for a second.
    async fn rate_limited() -> Throttle {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..MIN_SAMPLE {
            throttle.accepted(sent);
        }
        concurrent_429s(&throttle, sent, 1 + CONFIRMING_429S);
        assert!(throttle.interval().is_some());
        throttle
    }

    /// A 429 met at the rate means the rate is above the limit: the next one is lower.
    #[tokio::test(start_paused = true)]
    async fn a_429_at_the_rate_lowers_it() {
        let throttle = rate_limited().await;
        let measured = throttle.interval().expect("a rate");
        throttle.wait().await;
        for _ in 0..200 {
            throttle.wait().await;
            throttle.accepted(Instant::now());
        }
        let sent = Instant::now();
        concurrent_429s(&throttle, sent, 1 + CONFIRMING_429S);
        assert!(throttle.interval().expect("a rate") > measured);
    }

    /// A request given a slot of the rate before a 429 set a window waits for the window's end.
    #[tokio::test(start_paused = true)]
    async fn a_window_set_during_a_wait_holds_the_waiting_call() {
        let throttle = Arc::new(rate_limited().await);
        throttle.wait().await;
        throttle.wait().await;
        let waiting = tokio::spawn({
            let throttle = throttle.clone();
            async move {
                throttle.wait().await;
                Instant::now()
            }
        });
        tokio::task::yield_now().await;
        let sent = Instant::now();
        throttle.throttled(sent, Some(5 * SECOND));
        let resumed = waiting.await.expect("the waiting call");
        assert!(resumed >= sent + 5 * SECOND, "{:?}", resumed - sent);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_accepted_halves_the_rate() {
        let throttle = rate_limited().await;
        let measured = throttle.interval().expect("a rate");
        throttle.wait().await;
        concurrent_429s(&throttle, Instant::now(), 1 + CONFIRMING_429S);
        assert_eq!(throttle.interval(), Some(measured * 2));
    }

    /// A 429 after too small a sample measures nothing: it may be chance rather than a limit.
    #[tokio::test(start_paused = true)]
    async fn a_429_after_too_small_a_sample_only_holds() {
        let throttle = Throttle::default();
        throttle.wait().await;
        for _ in 1..MIN_SAMPLE {
            throttle.accepted(Instant::now());
        }
        throttle.throttled(Instant::now(), Some(SECOND));
        assert_eq!(throttle.interval(), None);
        throttle.wait().await;
        throttle.throttled(Instant::now(), None);
        assert_eq!(throttle.interval(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_expires_without_429s() {
        let throttle = rate_limited().await;
        assert!(throttle.interval().is_some());
        tokio::time::sleep(RATE_TTL).await;
        let start = Instant::now();
        throttle.wait().await;
        throttle.wait().await;
        assert_eq!(Instant::now(), start);
        assert_eq!(throttle.interval(), None);
    }

    /// What a server refuses: `limit` requests per window of a second counted from the server's
    /// start, or past a token bucket of `limit` a second holding a second's worth (429 with the
    /// seconds to wait, rounded up); or, whatever the rate, one request in `one_in` by chance
    /// (429, one second), drawn by a seeded generator.
    #[derive(Debug, Clone, Copy)]
    enum Refuses {
        PastWindow { limit: u64 },
        PastBucket { limit: u64 },
        ByChance { one_in: u64 },
    }

    #[derive(Debug)]
    struct Limiter {
        refuses: Refuses,
        start: Instant,
        state: Mutex<(u64, u64, f64, Instant)>,
        throttled: AtomicU64,
    }

    impl Limiter {
        fn new(refuses: Refuses) -> Self {
            let start = Instant::now();
            let tokens = match refuses {
                Refuses::PastBucket { limit } => limit as f64,
                _ => 0.0,
            };
            Self {
                refuses,
                start,
                // (window or generator state, count in the window, tokens, last refill)
                state: Mutex::new((0x9e37_79b9_7f4a_7c15, 0, tokens, start)),
                throttled: AtomicU64::new(0),
            }
        }

        /// `Ok` or the `Retry-After` of a 429.
        fn admit(&self) -> Result<(), Duration> {
            let now = Instant::now();
            let mut guard = self.state.lock().expect("limiter");
            let (window, count, tokens, refilled) = &mut *guard;
            let verdict = match self.refuses {
                Refuses::PastBucket { limit } => {
                    let rate = limit as f64;
                    *tokens = (*tokens + (now - *refilled).as_secs_f64() * rate).min(rate);
                    *refilled = now;
                    if *tokens >= 1.0 {
                        *tokens -= 1.0;
                        Ok(())
                    } else {
                        Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
                    }
                }
                Refuses::PastWindow { limit } => {
                    let elapsed = now - self.start;
                    let current = elapsed.as_secs();
                    if current != *window {
                        *window = current;
                        *count = 0;
                    }
                    *count += 1;
                    if *count <= limit {
                        Ok(())
                    } else {
                        Err(Duration::from_secs(current + 1) - elapsed)
                    }
                }
                Refuses::ByChance { one_in } => {
                    // xorshift64
                    *window ^= *window << 13;
                    *window ^= *window >> 7;
                    *window ^= *window << 17;
                    if *window % one_in == 0 {
                        Err(SECOND)
                    } else {
                        Ok(())
                    }
                }
            };
            verdict.map_err(|wait| {
                self.throttled.fetch_add(1, Ordering::Relaxed);
                Duration::from_secs(wait.as_secs_f64().ceil() as u64)
            })
        }
    }

    /// What [`drive`] saw: the 429s the server answered, the time all the requests took, and
    /// the rate the throttle ended with.
    #[derive(Debug)]
    struct Run {
        throttled: u64,
        elapsed: Duration,
        rate: Option<f64>,
    }

    /// `requests` calls by `parallelism` workers through one throttle to a [`Limiter`] that
    /// `refuses` as said, each with a round trip of `rtt`, retrying a 429 after its
    /// `Retry-After`.
    async fn drive(refuses: Refuses, requests: u64, parallelism: usize, rtt: Duration) -> Run {
        let limiter = Arc::new(Limiter::new(refuses));
        let throttle = Arc::new(Throttle::default());
        let start = Instant::now();
        let next = Arc::new(AtomicU64::new(0));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..parallelism {
            let (throttle, next, limiter) = (throttle.clone(), next.clone(), limiter.clone());
            workers.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    loop {
                        throttle.wait().await;
                        let sent = Instant::now();
                        tokio::time::sleep(rtt / 2).await;
                        let verdict = limiter.admit();
                        tokio::time::sleep(rtt / 2).await;
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
        Run {
            throttled: limiter.throttled.load(Ordering::Relaxed),
            elapsed: Instant::now() - start,
            rate: throttle
                .interval()
                .map(|interval| 1.0 / interval.as_secs_f64()),
        }
    }

    const RTT: Duration = Duration::from_millis(2);

    fn assert_measured(run: &Run, limit: f64) {
        let rate = run.rate.expect("a rate was measured");
        assert!(
            (0.85 * limit..=limit).contains(&rate),
            "measured {rate:.1} a second against a limit of {limit}"
        );
    }

    /// A limit of 100 a second that `refuses` past: the rate measured is the limit's, and
    /// after the first burst's collisions the rate keeps under it.
    async fn measured_and_kept(refuses: Refuses) {
        let run = drive(refuses, 5_000, 50, RTT).await;
        assert_measured(&run, 100.0);
        assert!(run.throttled <= 100, "{run:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_window_limit_is_measured_and_kept() {
        measured_and_kept(Refuses::PastWindow { limit: 100 }).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_bucket_limit_is_measured_and_kept() {
        measured_and_kept(Refuses::PastBucket { limit: 100 }).await;
    }

    /// Longer than the rate lives: each time it expires, the rate measured again
    /// must be as fast as the first (it once lost 5% a minute: 1.3 x N / limit over this run).
    #[tokio::test(start_paused = true)]
    async fn a_long_run_keeps_close_to_the_limit() {
        let run = drive(Refuses::PastBucket { limit: 20 }, 10_000, 50, RTT).await;
        let least = Duration::from_secs(10_000 / 20);
        assert!(
            run.elapsed <= least.mul_f64(1.2),
            "{run:?} against {least:?}"
        );
        assert!(run.throttled <= 100, "{run:?}");
    }

    /// 429s by chance, one request in twenty whatever the rate: each holds the calls for its
    /// second, and none sets a rate that would slow the rest of the run (one did: a run of
    /// 10 s took 150 s).
    #[tokio::test(start_paused = true)]
    async fn chance_429s_cost_their_windows_only() {
        let rtt = Duration::from_millis(100);
        let run = drive(Refuses::ByChance { one_in: 20 }, 1_000, 10, rtt).await;
        let unthrottled = rtt * (1_000 / 10);
        let windows = SECOND * u32::try_from(run.throttled).expect("a count");
        assert!(run.elapsed <= unthrottled + windows, "{run:?}");
        assert_eq!(run.rate, None, "{run:?}");
    }
}
