//! The Partner Center client against the sandbox, over real loopback sockets: its calls, typed
//! errors, retries, throttling, deadline and tokens here; cancellation, listing and secrets in
//! the submodules.

//! Retry, throttling and deadline tests run on paused tokio time (`start_paused`): the sandbox
//! serves in the same single-threaded runtime, so the clock moves only when client and sandbox
//! both wait, and then straight to the next timer. Waits of seconds cost nothing, and what the
//! tests read on `tokio::time::Instant` is exact.

mod cancellation;
mod listing;
mod secrets;

use std::time::Duration;

use partnercenter_sandbox::{
    self as sandbox, Actor, AuditSettings, DEMO_ACCESS_TOKEN, DEMO_AGENCY as AGENCY,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, DEMO_SCHOOL as SCHOOL, DEMO_TENANT_ID,
    DEMO_VALIDATION_CODE, RunningSandbox, SandboxConfig, Seed, SeedAuditRecord,
    UNKNOWN_CUSTOMER as UNKNOWN,
};
use serde_json::{Value, json};
use terraform_provider_partnercenter::partnercenter::{
    AuthError, Client, ClientConfig, Credentials, Error, HistoryDays, HistoryQuery, Qualification,
    QualificationRequest, RetryPolicy, Secret, VettedQualification, user_agent,
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::common::assert_contains_all;

async fn start(seed: Seed) -> RunningSandbox {
    sandbox::spawn(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn app_user() -> Credentials {
    Credentials::RefreshToken {
        tenant_id: DEMO_TENANT_ID.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        refresh_token: Secret::new(DEMO_REFRESH_TOKEN),
    }
}

/// Short waits, so that retry tests take milliseconds; a 1 s `Retry-After` still fits.
fn config(sandbox: &RunningSandbox, credentials: Credentials) -> ClientConfig {
    config_at(&sandbox.url(), credentials)
}

/// [`config`] for a server at `url`, which is both the API and the token authority.
fn config_at(url: &str, credentials: Credentials) -> ClientConfig {
    let mut config = ClientConfig::new(credentials, user_agent("0.1.0", "1.15.5"));
    config.base_url = url.to_owned();
    config.authority_url = url.to_owned();
    config.max_retries = 3;
    config.deadline = Duration::from_secs(10);
    config.retry =
        RetryPolicy::new(Duration::from_millis(10), Duration::from_secs(2)).expect("valid policy");
    config
}

fn client(config: ClientConfig) -> Client {
    Client::new(config, CancellationToken::new()).expect("client builds")
}

/// The demo sandbox and an App+User client of it, its configuration adjusted.
async fn demo_with(adjust: impl FnOnce(&mut ClientConfig)) -> (RunningSandbox, Client) {
    let sandbox = start(Seed::demo()).await;
    let mut config = config(&sandbox, app_user());
    adjust(&mut config);
    (sandbox, client(config))
}

async fn demo() -> (RunningSandbox, Client) {
    demo_with(|_| {}).await
}

/// Injects `fault`, then reads the school's qualification, which must fail.
async fn get_fails_after(sandbox: &RunningSandbox, client: &Client, fault: Value) -> Error {
    sandbox.admin().add_fault(fault).await.expect("fault");
    client
        .qualifications(SCHOOL)
        .await
        .expect_err("the call fails")
}

/// Sets the school's qualification to Education, a change the demo seed accepts.
async fn set_school_education(client: &Client) -> Result<Vec<VettedQualification>, Error> {
    client
        .set_qualification(
            SCHOOL,
            &QualificationRequest::new(Qualification::Education, None),
        )
        .await
}

/// Reads the school with a new client of `config`, which must fail; `why` says why it must.
async fn read_school_fails(config: ClientConfig, why: &str) -> Error {
    client(config).qualifications(SCHOOL).await.expect_err(why)
}

async fn count(sandbox: &RunningSandbox, route: &str) -> u64 {
    let counters = sandbox.admin().counters().await.expect("counters");
    counters.route(route)
}

#[tokio::test]
async fn every_call_round_trips() {
    let (sandbox, client) = demo().await;

    assert_eq!(
        client.qualifications(SCHOOL).await.expect("get"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    let set = set_school_education(&client).await.expect("set");
    assert_eq!(
        set,
        [VettedQualification::unvetted(Qualification::Education)]
    );
    assert_eq!(
        client.qualifications(SCHOOL).await.expect("get"),
        [VettedQualification::unvetted(Qualification::Education)]
    );

    let codes = client.list_validation_codes().await.expect("codes");
    assert_eq!(codes.len(), 2);
    let code = codes[0].validation_id.clone();
    assert_eq!(code.expose(), DEMO_VALIDATION_CODE);
    assert_eq!(codes[0].remaining_creates, 10);
    let set = client
        .set_qualification(
            AGENCY,
            &QualificationRequest::new(Qualification::GovernmentCommunityCloud, Some(&code)),
        )
        .await
        .expect("set gcc");
    assert_eq!(
        set,
        [VettedQualification::unvetted(
            Qualification::GovernmentCommunityCloud
        )]
    );
    let codes = client.list_validation_codes().await.expect("codes");
    assert_eq!(codes[0].remaining_creates, 9);
    assert_eq!(
        count(&sandbox, "POST token").await,
        1,
        "one token for the whole run"
    );
}

#[tokio::test]
async fn api_errors_are_typed_and_quotable() {
    let (sandbox, client) = demo().await;

    let missing = client.qualifications(UNKNOWN).await.expect_err("404");
    assert!(missing.is_not_found());
    assert_eq!(
        (missing.status(), missing.code()),
        (Some(404), Some("1000"))
    );
    let text = missing.to_string();
    let request_id = missing.request_id().expect("request id");
    assert_contains_all(
        &text,
        &[
            "HTTP 404",
            "code 1000",
            UNKNOWN,
            request_id,
            missing.correlation_id().expect("correlation id"),
        ],
        "the 404's error",
    );

    let bad_id = client.qualifications("not-a-guid").await.expect_err("400");
    assert_eq!(
        (bad_id.status(), bad_id.code()),
        (Some(400), Some("900118"))
    );
    assert!(!bad_id.is_not_found());

    for refused in [Qualification::None, Qualification::Nonprofit] {
        let error = client
            .set_qualification(SCHOOL, &QualificationRequest::new(refused, None))
            .await
            .expect_err("refused");
        assert_eq!(error.code(), Some("3000"));
        assert!(error.to_string().contains(refused.as_str()), "{error}");
    }
    let no_code = client
        .set_qualification(
            AGENCY,
            &QualificationRequest::new(Qualification::GovernmentCommunityCloud, None),
        )
        .await
        .expect_err("code required");
    assert_eq!(no_code.status(), Some(400));
    // None of these is worth a retry.
    assert_eq!(count(&sandbox, "GET qualification").await, 2);
    assert_eq!(count(&sandbox, "PUT qualification").await, 3);
}

#[tokio::test]
async fn throttling_and_bare_string_error_shapes() {
    let (sandbox, client) = demo_with(|c| c.max_retries = 0).await;
    let admin = sandbox.admin();

    admin
        .add_fault(json!({"kind": "status", "status": 429, "count": 1}))
        .await
        .expect("fault");
    let throttled = client.qualifications(SCHOOL).await.expect_err("429");
    assert!(throttled.is_throttled());
    let api = throttled.api().expect("api error");
    assert_eq!(api.code, None);
    assert_eq!(api.description.as_deref(), Some("Rate limit is exceeded."));

    admin
        .add_fault(json!({"kind": "status", "status": 403, "body": "Access is denied", "count": 1}))
        .await
        .expect("fault");
    let denied = client.qualifications(SCHOOL).await.expect_err("403");
    let api = denied.api().expect("api error");
    assert_eq!(
        (api.status, api.description.as_deref()),
        (403, Some("Access is denied"))
    );
}

/// The server's wait is honoured in full, even past the policy's own ceiling (50 ms here).
#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_then_the_call_succeeds() {
    let (sandbox, client) = demo_with(|c| {
        c.retry = RetryPolicy::new(Duration::from_millis(10), Duration::from_millis(50))
            .expect("valid policy");
    })
    .await;
    client
        .qualifications(SCHOOL)
        .await
        .expect("warm the token cache");
    sandbox
        .admin()
        .add_fault(json!({"kind": "status", "status": 429, "retry_after_secs": 1, "count": 1}))
        .await
        .expect("fault");

    let started = Instant::now();
    let answer = set_school_education(&client)
        .await
        .expect("succeeds after the wait");
    assert_eq!(
        answer,
        [VettedQualification::unvetted(Qualification::Education)]
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(count(&sandbox, "PUT qualification").await, 2);
}

#[tokio::test(start_paused = true)]
async fn server_errors_and_dropped_connections_are_retried() {
    let sandbox = start(Seed::demo()).await;
    let admin = sandbox.admin();
    let client = client(config(&sandbox, app_user()));
    admin
        .add_fault(json!({"kind": "status", "status": 503, "count": 1}))
        .await
        .expect("fault");
    admin
        .add_fault(json!({"kind": "status", "status": 502, "count": 2}))
        .await
        .expect("fault");
    assert_eq!(
        client.qualifications(SCHOOL).await.expect("third try"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    assert_eq!(count(&sandbox, "GET qualification").await, 3);

    admin
        .add_fault(json!({"kind": "drop", "count": 1}))
        .await
        .expect("fault");
    assert_eq!(
        client
            .list_validation_codes()
            .await
            .expect("second try")
            .len(),
        2
    );
    let counters = admin.counters().await.expect("counters");
    assert_eq!(counters.dropped, 1);
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_give_a_clear_error_with_one_request_id() {
    let (sandbox, client) = demo_with(|c| c.max_retries = 2).await;
    let admin = sandbox.admin();
    let error = get_fails_after(
        &sandbox,
        &client,
        json!({"kind": "status", "status": 503, "method": "GET"}),
    )
    .await;
    assert!(
        matches!(error, Error::RetriesExhausted { attempts: 3, .. }),
        "{error:?}"
    );
    // The id the error names is the one each attempt carried (the log below).
    let request_id = error.request_id().expect("request id").to_owned();
    let text = error.to_string();
    let last_correlation_id = error.correlation_id().expect("correlation id").to_owned();
    assert_contains_all(
        &text,
        &[
            "after 3 attempts",
            "HTTP 503",
            &request_id,
            &last_correlation_id,
        ],
        "the exhausted retries' error",
    );

    admin.clear_faults().await.expect("clear");
    client.qualifications(SCHOOL).await.expect("next call");
    let log = admin.requests().await.expect("log");
    let api_calls: Vec<_> = log
        .iter()
        .filter(|e| e["route"] == "GET qualification")
        .collect();
    assert_eq!(api_calls.len(), 4);
    for entry in &api_calls[..3] {
        assert_eq!(
            entry["ms_requestid"],
            request_id.as_str(),
            "same id on each retry"
        );
    }
    assert_ne!(
        api_calls[3]["ms_requestid"],
        request_id.as_str(),
        "a new call, a new id"
    );
    // A new correlation id for every request, retries included; the error names the last.
    let correlation_ids: std::collections::HashSet<_> = api_calls
        .iter()
        .map(|e| e["ms_correlationid"].as_str().expect("sent"))
        .collect();
    assert_eq!(correlation_ids.len(), 4, "{api_calls:?}");
    assert_eq!(
        api_calls[2]["ms_correlationid"],
        last_correlation_id.as_str()
    );
    for entry in &api_calls {
        assert_eq!(entry["ms_contract_version"], "v1");
        assert_eq!(
            entry["user_agent"],
            "Terraform/1.15.5 (+https://www.terraform.io) terraform-provider-partnercenter/0.1.0"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_calls_share_one_token_request() {
    let (sandbox, client) = demo().await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let client = client.clone();
        calls.spawn(async move { client.qualifications(SCHOOL).await });
    }
    while let Some(done) = calls.join_next().await {
        assert_eq!(
            done.expect("task").expect("call"),
            [VettedQualification::unvetted(Qualification::None)]
        );
    }
    assert_eq!(count(&sandbox, "POST token").await, 1);
    assert_eq!(count(&sandbox, "GET qualification").await, 50);
}

/// A large configuration at Terraform's highest usual parallelism reuses its connections
/// instead of opening one per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_reused_across_many_calls() {
    const PARALLELISM: usize = 50;
    const WAVES: usize = 10;
    let (sandbox, client) = demo().await;
    for _ in 0..WAVES {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..PARALLELISM {
            let client = client.clone();
            calls.spawn(async move { client.qualifications(SCHOOL).await });
        }
        while let Some(done) = calls.join_next().await {
            done.expect("task").expect("call");
        }
    }
    let counters = sandbox.admin().counters().await.expect("counters");
    assert_eq!(
        counters.route("GET qualification"),
        (PARALLELISM * WAVES) as u64,
        "{counters:?}"
    );
    // One per parallel call at most, plus the token request's and the admin client's.
    let connections = counters.connections;
    assert!(
        connections <= PARALLELISM as u64 + 5,
        "{connections} connections for {} requests",
        PARALLELISM * WAVES
    );
}

#[tokio::test(start_paused = true)]
async fn a_rotated_refresh_token_is_used_next_time() {
    let mut seed = Seed::demo();
    seed.rotate_refresh_tokens = true;
    seed.token_lifetime_secs = 1;
    let sandbox = start(seed).await;
    let client = client(config(&sandbox, app_user()));

    client.qualifications(SCHOOL).await.expect("first token");
    // The token is renewed once three quarters of its one-second life have passed; the sandbox
    // has by then refused the configured refresh token, so only the rotated one can work.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.qualifications(SCHOOL).await.expect("second token");
    assert_eq!(count(&sandbox, "POST token").await, 2);
    let state = sandbox.admin().state().await.expect("state");
    assert_ne!(state.apps[0].refresh_token, DEMO_REFRESH_TOKEN);
}

#[tokio::test]
async fn app_only_and_ready_tokens_read() {
    let sandbox = start(Seed::demo()).await;
    let app_only = Credentials::ClientCredentials {
        tenant_id: DEMO_TENANT_ID.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
    };
    let reader = client(config(&sandbox, app_only));
    assert_eq!(
        reader.list_validation_codes().await.expect("codes").len(),
        2
    );
    // Setting a qualification needs App+User, as in Partner Center.
    let refused = set_school_education(&reader)
        .await
        .expect_err("app-only cannot set");
    assert_eq!(refused.status(), Some(403), "{refused}");
    assert!(
        refused
            .to_string()
            .contains("can't be accessed by application credentials"),
        "{refused}"
    );
    assert_eq!(
        count(&sandbox, "PUT qualification").await,
        1,
        "403 is final"
    );

    let ready = client(config(
        &sandbox,
        Credentials::AccessToken(Secret::new(DEMO_ACCESS_TOKEN)),
    ));
    assert_eq!(
        ready.qualifications(SCHOOL).await.expect("get"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    assert_eq!(count(&sandbox, "POST token").await, 1);

    let stale = client(config(
        &sandbox,
        Credentials::AccessToken(Secret::new("expired")),
    ));
    let error = stale.qualifications(SCHOOL).await.expect_err("401");
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        count(&sandbox, "GET qualification").await,
        2,
        "401 is not retried"
    );
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_refusals_and_outages() {
    let sandbox = start(Seed::demo()).await;
    let admin = sandbox.admin();
    let wrong = Credentials::RefreshToken {
        tenant_id: DEMO_TENANT_ID.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new("not-the-secret"),
        refresh_token: Secret::new(DEMO_REFRESH_TOKEN),
    };
    let refused = client(config(&sandbox, wrong)).qualifications(SCHOOL).await;
    let Err(Error::Auth {
        source: AuthError::Rejected {
            status: 400, error, ..
        },
        ..
    }) = refused
    else {
        panic!("expected invalid_grant, got {refused:?}");
    };
    assert_eq!(error, "invalid_grant");
    assert_eq!(
        count(&sandbox, "POST token").await,
        1,
        "a refusal is not retried"
    );
    // The same credentials would be refused again: later calls of the process are told so
    // without asking the authority once per resource.
    let wrong_client = client(config(
        &sandbox,
        Credentials::ClientCredentials {
            tenant_id: DEMO_TENANT_ID.into(),
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: Secret::new("not-the-secret"),
        },
    ));
    for _ in 0..5 {
        let error = wrong_client
            .qualifications(SCHOOL)
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("invalid_grant"), "{error}");
        assert!(error.request_id().is_some(), "{error}");
        assert!(!error.is_not_found());
    }
    assert_eq!(count(&sandbox, "POST token").await, 2);

    admin
        .add_fault(json!({"kind": "status", "status": 503, "count": 1,
                          "path_prefix": format!("/{DEMO_TENANT_ID}/oauth2/token")}))
        .await
        .expect("fault");
    let client = client(config(&sandbox, app_user()));
    assert_eq!(
        client.qualifications(SCHOOL).await.expect("retried"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    assert_eq!(
        count(&sandbox, "POST token").await,
        4,
        "two refused, one 503, one granted"
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_whole_call() {
    let (sandbox, client) = demo_with(|c| c.deadline = Duration::from_millis(500)).await;
    client
        .qualifications(SCHOOL)
        .await
        .expect("warm the token cache");

    // A wait that would end past the deadline is not started: the error comes from the first
    // attempt. (Had it waited 2 s, a second attempt would have met the deadline.)
    let error = get_fails_after(
        &sandbox,
        &client,
        json!({"kind": "status", "status": 503, "retry_after_secs": 2, "count": 1}),
    )
    .await;
    let Error::DeadlineExceeded {
        attempts: 1,
        last: Some(last),
        ..
    } = &error
    else {
        panic!("expected a deadline error after one attempt, got {error:?}");
    };
    assert_eq!(last.status(), Some(503));

    // An attempt that outlives the deadline is abandoned: the sandbox would answer, with a
    // success, after 3 s.
    let error = get_fails_after(
        &sandbox,
        &client,
        json!({"kind": "latency", "millis": 3000, "count": 1}),
    )
    .await;
    assert!(
        matches!(
            error,
            Error::DeadlineExceeded {
                attempts: 1,
                last: None,
                ..
            }
        ),
        "{error:?}"
    );
}

/// A query's budget bounds all its pages together: a lookup that pages cannot take a budget
/// per page. Each page here takes 10 s of a 15 s budget, so the second ends at 15 s.
#[tokio::test(start_paused = true)]
async fn a_budget_bounds_every_page_of_a_query() {
    let (sandbox, client) = demo_with(|c| c.deadline = Duration::from_secs(300)).await;
    let admin = sandbox.admin();
    let change = |who: &str| {
        SeedAuditRecord::qualification_change(
            SCHOOL,
            &[sandbox::Qualification::Education],
            &[sandbox::Qualification::Nonprofit],
            Actor::user(who),
            std::time::SystemTime::now(),
        )
    };
    admin
        .add_audit_records(&[change("alice@contoso.com"), change("bob@contoso.com")])
        .await
        .expect("records");
    admin
        .set_audit_settings(AuditSettings {
            page_size: 1,
            ..AuditSettings::default()
        })
        .await
        .expect("one record a page");
    admin
        .add_fault(json!({"kind": "latency", "millis": 10_000, "path_prefix": "/v1/auditrecords"}))
        .await
        .expect("fault");
    let budget = Duration::from_secs(15);
    let query = HistoryQuery {
        customer_id: Some(SCHOOL),
        days: HistoryDays::ONE_REQUEST,
        budget: Some(budget),
    };
    let started = Instant::now();
    let error = client
        .qualification_changes(&query)
        .await
        .expect_err("the second page outlives the budget");
    assert!(
        matches!(error, Error::DeadlineExceeded { deadline, attempts: 1, last: None, .. }
            if deadline == budget),
        "{error:?}"
    );
    // The first page answered at 10 s: the error is the second page's, cut at the budget's end.
    assert_eq!(started.elapsed(), budget);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once() {
    let (sandbox, client) = demo().await;
    client.qualifications(SCHOOL).await.expect("first token");
    sandbox.admin().revoke_tokens().await.expect("revoke");
    assert_eq!(
        set_school_education(&client)
            .await
            .expect("renewed, then set"),
        [VettedQualification::unvetted(Qualification::Education)]
    );
    assert_eq!(count(&sandbox, "POST token").await, 2);
    let counters = sandbox.admin().counters().await.expect("counters");
    assert_eq!(counters.status(401), 1, "{counters:?}");

    // A ready access token cannot be renewed: its 401 is the answer.
    let ready = self::client(config(
        &sandbox,
        Credentials::AccessToken(Secret::new("revoked-long-ago")),
    ));
    let error = ready.qualifications(SCHOOL).await.expect_err("401");
    assert_eq!(error.status(), Some(401));
    assert_eq!(count(&sandbox, "POST token").await, 2);
}

/// While one call waits out a 429, the others of the process wait too instead of collecting
/// 429s of their own: Partner Center throttles the partner, not the call.
#[tokio::test(start_paused = true)]
async fn a_throttling_window_holds_every_call() {
    let (sandbox, client) = demo().await;
    client.qualifications(SCHOOL).await.expect("warm");
    let admin = sandbox.admin();
    admin.reset_counters().await.expect("reset");
    admin
        .add_fault(json!({"kind": "status", "status": 429, "retry_after_secs": 2, "count": 1}))
        .await
        .expect("fault");

    let first = tokio::spawn({
        let client = client.clone();
        async move { client.qualifications(SCHOOL).await }
    });
    // One second into the two-second window: the first call has its 429 and waits.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count(&sandbox, "GET qualification").await, 1);
    let second = tokio::spawn({
        let client = client.clone();
        async move { client.qualifications(AGENCY).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count(&sandbox, "GET qualification").await,
        1,
        "the second call went out inside the throttling window"
    );
    assert_eq!(
        first.await.expect("join").expect("first"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    assert_eq!(
        second.await.expect("join").expect("second"),
        [VettedQualification::unvetted(Qualification::None)]
    );
    let counters = admin.counters().await.expect("counters");
    assert_eq!(counters.status(429), 1, "{counters:?}");
    assert_eq!(count(&sandbox, "GET qualification").await, 3);
}

#[tokio::test]
async fn a_404_that_is_not_partner_centers_is_not_a_missing_customer() {
    let sandbox = start(Seed::demo()).await;
    let mut wrong_prefix = config(&sandbox, app_user());
    wrong_prefix.base_url = format!("{}/nope", sandbox.url());
    let error = read_school_fails(wrong_prefix, "no such route").await;
    assert_eq!(error.status(), Some(404), "{error}");
    assert!(!error.is_not_found(), "{error}");

    let mut wrong_authority = config(&sandbox, app_user());
    wrong_authority.authority_url = format!("{}/nope", sandbox.url());
    let error = read_school_fails(wrong_authority, "no token endpoint there").await;
    assert!(!error.is_not_found(), "{error}");

    let (_sandbox, client) = demo().await;
    let missing = client.qualifications(UNKNOWN).await.expect_err("404");
    assert!(missing.is_not_found(), "{missing}");
}

/// A sandbox with the demo customers and `generated` more, and an App+User client of it.
async fn with_customers(generated: usize) -> (RunningSandbox, Client, CancellationToken) {
    let sandbox = sandbox::spawn(SandboxConfig {
        generated_customers: generated,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let stop = CancellationToken::new();
    let client = Client::new(config(&sandbox, app_user()), stop.clone()).expect("client builds");
    (sandbox, client, stop)
}
