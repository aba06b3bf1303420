//! Terraform's StopProvider (Ctrl-C) reaching a call: every wait ends at once, a read on its
//! way is abandoned, and a change already sent is not (Partner Center may have applied it).

use std::time::Duration;

use partnercenter_sandbox::{DEMO_SCHOOL as SCHOOL, Seed};
use serde_json::json;
use terraform_provider_partnercenter::partnercenter::{Client, Error, RetryPolicy};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{app_user, config, count, set_school_education, start, with_customers};

/// Terraform's StopProvider, `after` from now.
fn cancel_after(cancel: CancellationToken, after: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        cancel.cancel();
    })
}

/// Cancelled 200 ms into the 30 s `Retry-After` wait after a PUT's 429, the call ends as
/// cancelled at that moment, without another attempt. A PUT, because a change already sent
/// runs to its answer: only the waits around it end at a stop, so the retry wait is what
/// stops the call here (a read is abandoned whatever it waits for, which would hide the wait).
/// Had the wait ignored the cancellation, the call would have ended 30 s later.
#[tokio::test(start_paused = true)]
async fn cancellation_ends_a_wait_at_once() {
    let sandbox = start(Seed::demo()).await;
    sandbox
        .admin()
        .add_fault(
            json!({"kind": "status", "status": 429, "retry_after_secs": 30, "method": "PUT"}),
        )
        .await
        .expect("fault");
    let mut patient = config(&sandbox, app_user());
    patient.retry = RetryPolicy::default();
    patient.deadline = Duration::from_secs(120);
    let cancel = CancellationToken::new();
    let client = Client::new(patient, cancel.clone()).expect("client");

    let stopper = cancel_after(cancel, Duration::from_millis(200));
    let started = Instant::now();
    let error = set_school_education(&client).await.expect_err("cancelled");
    let took = started.elapsed();
    stopper.await.expect("stopper");
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    assert!(error.request_id().is_some());
    assert_eq!(
        took,
        Duration::from_millis(200),
        "the call ended {took:?} after it began, not at the stop"
    );
    assert_eq!(count(&sandbox, "PUT qualification").await, 1);
}

/// Stop abandons a read already on its way (a read changes nothing, so nothing is lost): a
/// listing ends at once rather than when a slow answer comes. Had the read been left to run,
/// it would have ended at its 10 s deadline, the sandbox holding the answer for 60 s.
#[tokio::test(start_paused = true)]
async fn stop_abandons_a_read_in_flight() {
    let (sandbox, client, stop) = with_customers(0).await;
    sandbox
        .admin()
        .add_fault(json!({ "kind": "latency", "millis": 60_000, "method": "GET" }))
        .await
        .expect("fault");
    let stopper = cancel_after(stop, Duration::from_millis(200));
    let started = Instant::now();
    let error = client.qualifications(SCHOOL).await.expect_err("cancelled");
    stopper.await.expect("stopper");
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_millis(200));
}
