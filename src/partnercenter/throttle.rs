//! Partner Center's throttling, shared by every call of the process: the window a 429 announced,
//! and the pace learned from the 429s, so that the calls stop colliding with the partner's limit.
//!
//! Partner Center limits requests per partner over windows of whole seconds and answers 429 with
//! `Retry-After` past the limit. A 429 holds every call until the window it announced ends (the
//! others would only collect 429s of their own) and may teach the limit: the requests Partner
//! Center accepted since sending last resumed, over the time they took (at least the window it
//! announced, at least a second), when there were enough of them to tell a limit from chance.
//! The lesson is taken only when the calls that were on their way with that 429 are mostly
//! refused too, as a limit refuses every call past it; a 429 that comes alone (an overloaded
//! front end) only holds. From then on the calls go out one per learned interval, a little below
//! the limit, instead of bursting into it again after each window.

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
/// The 429s among the answers to calls in flight beside a 429 that confirm its lesson.
const CONFIRMING_429S: u32 = 2;
/// A pace is forgotten after this long without a 429: the limit may have been raised, or the
/// 429s were a passing overload. The next 429 teaches it again, at the price of a burst of 429s
/// (one per call in flight), so not too often: a partner's limit rarely changes by the minute.
const PACE_MEMORY: Duration = Duration::from_secs(300);

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
    /// Counts the windows and paces set, so that a call waiting for a slot given under an
    /// older one takes a new slot.
    lessons: u64,
    /// The pace the last 429 taught, until the calls in flight beside it confirm it.
    pending: Option<Pending>,
}

/// A lesson waiting for its votes: the answers to the calls sent before its 429 arrived.
#[derive(Clone, Copy, Debug)]
struct Pending {
    interval: Duration,
    at: Instant,
    refused: u32,
    accepted: u32,
}

impl State {
    /// The pending lesson, when a call sent at `sent` was in flight beside its 429.
    fn voter(&mut self, sent: Instant) -> Option<&mut Pending> {
        self.pending.as_mut().filter(|pending| sent <= pending.at)
    }

    /// Counts an acceptance of a call in flight beside the pending lesson's 429, and drops the
    /// lesson once they are mostly accepted: the 429 came by chance.
    fn vote_accepted(&mut self, sent: Instant) {
        if let Some(pending) = self.voter(sent) {
            pending.accepted += 1;
            if pending.accepted > 2 * pending.refused + 1 {
                self.pending = None;
            }
        }
    }

    /// Counts a 429 of a call in flight beside the pending lesson's 429, and takes the lesson
    /// once enough of them agree.
    fn vote_refused(&mut self, sent: Instant, now: Instant) {
        let Some(pending) = self.voter(sent) else {
            return;
        };
        pending.refused += 1;
        if pending.refused >= CONFIRMING_429S && pending.refused >= pending.accepted {
            self.pace = Some(Pace {
                interval: pending.interval,
                next_slot: now,
                last_throttled: now,
            });
            self.pending = None;
            self.lessons += 1;
        }
    }
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
        loop {
            let (start, lessons) = self.slot();
            if start <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(start).await;
            // A 429 answered while this call slept set a new window or pace: its slot was
            // given under the old one and could fall inside the new window.
            if self.state().lessons == lessons {
                return;
            }
        }
    }

    /// This request's start: the end of the window, or its slot of the pace.
    fn slot(&self) -> (Instant, u64) {
        let mut state = self.state();
        let now = Instant::now();
        state.epoch.get_or_insert(now);
        let mut start = state.hold_until.filter(|until| *until > now).unwrap_or(now);
        if state
            .pace
            .is_some_and(|pace| now.duration_since(pace.last_throttled) >= PACE_MEMORY)
        {
            state.pace = None;
            // The next lesson counts from here: requests sent at the forgotten pace say how
            // fast the client went, not how fast Partner Center lets it go, and would teach a
            // pace a little slower each time.
            state.epoch = Some(now);
            state.accepted = 0;
        }
        if let Some(pace) = &mut state.pace {
            start = start.max(pace.next_slot);
            pace.next_slot = start + pace.interval;
        }
        (start, state.lessons)
    }

    /// A request sent at `sent` was answered with anything but 429.
    pub(crate) fn accepted(&self, sent: Instant) {
        let mut state = self.state();
        if state.epoch.is_some_and(|epoch| sent >= epoch) {
            state.accepted += 1;
        }
        state.vote_accepted(sent);
    }

    /// A request sent at `sent` was answered 429, with the wait Partner Center asked for if any.
    pub(crate) fn throttled(&self, sent: Instant, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut state = self.state();
        let wait = retry_after.map(|wait| wait.min(RetryPolicy::MAX_DELAY_LIMIT));
        state.vote_refused(sent, now);
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
                // A 429 met at a pace means the pace is above the limit: the rate achieved
                // since the last lesson, less the headroom, is below it.
                (accepted, _) if accepted >= MIN_LESSON => {
                    Some(span.div_f64(accepted as f64).div_f64(HEADROOM))
                }
                _ => None,
            };
            state.pending = interval.map(|interval| Pending {
                interval,
                at: now,
                refused: 0,
                accepted: 0,
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
            state.lessons += 1;
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

    /// `refused` 429s answered to calls sent at `sent`: the first is the 429 that may teach a
    /// pace, the others those of calls in flight beside it.
    fn refused_beside(throttle: &Throttle, sent: Instant, refused: u32) {
        for _ in 0..refused {
            throttle.throttled(sent, Some(SECOND));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_429_teaches_the_pace_once_the_calls_beside_it_confirm() {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..100 {
            throttle.accepted(sent);
        }
        // 100 accepted, then "try again in 1 second": 100 a second, used at 95 a second, once
        // the calls in flight beside it are refused too.
        refused_beside(&throttle, sent, 1);
        assert_eq!(throttle.interval(), None);
        refused_beside(&throttle, sent, CONFIRMING_429S - 1);
        assert_eq!(throttle.interval(), None);
        refused_beside(&throttle, sent, 1);
        assert_eq!(throttle.interval(), Some(SECOND.div_f64(95.0)));
        // More 429s of calls sent before the hold teach nothing more.
        refused_beside(&throttle, sent, 3);
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

    /// A 429 whose neighbours in flight are accepted came by chance: it holds, and teaches no
    /// pace.
    #[tokio::test(start_paused = true)]
    async fn a_429_by_chance_only_holds() {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..100 {
            throttle.accepted(sent);
        }
        refused_beside(&throttle, sent, 1);
        for _ in 0..3 {
            throttle.accepted(sent);
        }
        refused_beside(&throttle, sent, CONFIRMING_429S);
        assert_eq!(throttle.interval(), None);
        throttle.wait().await;
        assert!(Instant::now() >= sent + SECOND);
    }

    /// A throttle that has learned a pace: ten requests accepted, then 429s for a second.
    async fn paced() -> Throttle {
        let throttle = Throttle::default();
        throttle.wait().await;
        let sent = Instant::now();
        for _ in 0..MIN_LESSON {
            throttle.accepted(sent);
        }
        refused_beside(&throttle, sent, 1 + CONFIRMING_429S);
        assert!(throttle.interval().is_some());
        throttle
    }

    /// A 429 met at the pace means the pace is above the limit: the next one is slower.
    #[tokio::test(start_paused = true)]
    async fn a_429_at_the_pace_slows_it() {
        let throttle = paced().await;
        let learned = throttle.interval().expect("a pace");
        throttle.wait().await;
        for _ in 0..200 {
            throttle.wait().await;
            throttle.accepted(Instant::now());
        }
        let sent = Instant::now();
        refused_beside(&throttle, sent, 1 + CONFIRMING_429S);
        assert!(throttle.interval().expect("a pace") > learned);
    }

    /// A call given a slot of the pace before a 429 set a window waits for the window's end.
    #[tokio::test(start_paused = true)]
    async fn a_window_set_during_a_wait_holds_the_waiting_call() {
        let throttle = Arc::new(paced().await);
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
    async fn nothing_accepted_halves_the_pace() {
        let throttle = paced().await;
        let learned = throttle.interval().expect("a pace");
        throttle.wait().await;
        refused_beside(&throttle, Instant::now(), 1 + CONFIRMING_429S);
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
    /// the pace the throttle ended with.
    #[derive(Debug)]
    struct Run {
        throttled: u64,
        elapsed: Duration,
        pace: Option<f64>,
    }

    /// `requests` calls by `parallelism` workers through one throttle to `limiter`, each with a
    /// round trip of `rtt`, retrying a 429 after its `Retry-After`.
    async fn drive(limiter: Limiter, requests: u64, parallelism: usize, rtt: Duration) -> Run {
        let limiter = Arc::new(limiter);
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
            pace: throttle
                .interval()
                .map(|interval| 1.0 / interval.as_secs_f64()),
        }
    }

    const RTT: Duration = Duration::from_millis(2);

    fn assert_learned(run: &Run, limit: f64) {
        let pace = run.pace.expect("a pace was learned");
        assert!(
            (0.85 * limit..=limit).contains(&pace),
            "learned {pace:.1} a second against a limit of {limit}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_window_limit_is_learned_and_kept() {
        let run = drive(
            Limiter::new(Refuses::PastWindow { limit: 100 }),
            5_000,
            50,
            RTT,
        )
        .await;
        assert_learned(&run, 100.0);
        // The first window's burst collides; after that, the pace keeps under the limit.
        assert!(run.throttled <= 100, "{run:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_bucket_limit_is_learned_and_kept() {
        let run = drive(
            Limiter::new(Refuses::PastBucket { limit: 100 }),
            5_000,
            50,
            RTT,
        )
        .await;
        assert_learned(&run, 100.0);
        assert!(run.throttled <= 100, "{run:?}");
    }

    /// Longer than the pace is remembered: each time it is forgotten, the pace learned again
    /// must be as fast as the first (it once lost 5% a minute: 1.3 x N / limit over this run).
    #[tokio::test(start_paused = true)]
    async fn a_long_run_keeps_close_to_the_limit() {
        let run = drive(
            Limiter::new(Refuses::PastBucket { limit: 20 }),
            10_000,
            50,
            RTT,
        )
        .await;
        let least = Duration::from_secs(10_000 / 20);
        assert!(
            run.elapsed <= least.mul_f64(1.2),
            "{run:?} against {least:?}"
        );
        assert!(run.throttled <= 100, "{run:?}");
    }

    /// 429s by chance, one request in twenty whatever the rate: each holds the calls for its
    /// second, and none teaches a pace that would slow the rest of the run (one did: a run of
    /// 10 s took 150 s).
    #[tokio::test(start_paused = true)]
    async fn chance_429s_cost_their_windows_only() {
        let rtt = Duration::from_millis(100);
        let run = drive(
            Limiter::new(Refuses::ByChance { one_in: 20 }),
            1_000,
            10,
            rtt,
        )
        .await;
        let unthrottled = rtt * (1_000 / 10);
        let windows = SECOND * u32::try_from(run.throttled).expect("a count");
        assert!(run.elapsed <= unthrottled + windows, "{run:?}");
        assert_eq!(run.pace, None, "{run:?}");
    }
}
