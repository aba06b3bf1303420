//! The sandbox over HTTP: Partner Center's rules, the admin routes, the state file, the binary.

use std::process::Stdio;
use std::time::Duration;

use partnercenter_sandbox::{
    self as sandbox, Actor, AuditOrder, AuditSettings, Cloud, DEMO_ACCESS_TOKEN,
    DEMO_AGENCY as AGENCY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CUSTOMERS, DEMO_REFRESH_TOKEN,
    DEMO_SCHOOL as SCHOOL, DEMO_SINGLE_USE_VALIDATION_CODE, DEMO_TENANT_ID,
    DEMO_USER_PRINCIPAL_NAME, ErrorCase, PARTNER_CENTER_RESOURCE, Qualification, RunningSandbox,
    SandboxAdmin, SandboxConfig, Seed, SeedAuditRecord, generated_customer_id,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A raw HTTP caller with the demo's static token, to see exactly what the sandbox answers.
struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    fn new(base: String) -> Self {
        Self {
            http: sandbox::http_client(),
            base,
        }
    }

    /// Sends a request and reads its answer as JSON (`null` when it is none).
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("sandbox answers");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A request of the API with the demo's static token.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request_as(method, path, DEMO_ACCESS_TOKEN)
    }

    fn request_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        request_id: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        if let Some(id) = request_id {
            request = request.header("MS-RequestId", id);
        }
        self.send(request).await
    }

    /// A token request of the demo's app registration for `resource`; with the demo's
    /// refresh token when `grant_type` is `refresh_token`.
    async fn token(&self, grant_type: &str, resource: &str) -> (StatusCode, Value) {
        let encoded = resource.replace(':', "%3A").replace('/', "%2F");
        let mut body = format!(
            "grant_type={grant_type}&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}&resource={encoded}"
        );
        if grant_type == "refresh_token" {
            body.push_str(&format!("&refresh_token={DEMO_REFRESH_TOKEN}"));
        }
        let request = self
            .http
            .post(format!("{}/{DEMO_TENANT_ID}/oauth2/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn put(
        &self,
        customer: &str,
        body: &str,
        query: &str,
        request_id: Option<&str>,
    ) -> (StatusCode, Value) {
        let path = format!("/v1/customers/{customer}/qualification{query}");
        self.call(reqwest::Method::PUT, &path, Some(body), request_id)
            .await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None, None).await
    }

    async fn put_bytes(&self, customer: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = self.request(reqwest::Method::PUT, &qualification_path(customer));
        self.send(request.body(body)).await
    }
}

/// How long a test waits for something that must happen before it calls it a hang: far longer
/// than it ever takes, so that a loaded machine cannot fail the test.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn start() -> (RunningSandbox, Raw) {
    start_seeded(Seed::demo()).await
}

async fn start_seeded(seed: Seed) -> (RunningSandbox, Raw) {
    let sandbox = sandbox::spawn(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("starts");
    let raw = Raw::new(sandbox.url());
    (sandbox, raw)
}

fn qualification_path(customer: &str) -> String {
    format!("/v1/customers/{customer}/qualification")
}

#[tokio::test]
async fn only_education_and_gcc_can_be_put() {
    let (_sandbox, raw) = start().await;
    for refused in ["0", "2", "4", "5", "-1", "1.5", ""] {
        let (status, body) = raw.put(SCHOOL, refused, "", None).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!(3000)),
            "{refused}"
        );
    }
    let (status, body) = raw.put_bytes(SCHOOL, vec![0xff, 0xfe]).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!(3000)),
        "a body that is not UTF-8"
    );
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await,
        (StatusCode::OK, json!("none")),
        "nothing was set"
    );
}

#[tokio::test]
async fn gcc_spends_a_create_once_and_retries_are_idempotent() {
    let (sandbox, raw) = start().await;
    let remaining = |codes: &Value| codes[1]["remainingCreates"].as_i64();
    assert_eq!(
        raw.put(AGENCY, "3", "", None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        raw.put(AGENCY, "3", "?code=unknown", None).await.0,
        StatusCode::BAD_REQUEST
    );
    let single_use = format!("?code={DEMO_SINGLE_USE_VALIDATION_CODE}");
    let done = raw.put(AGENCY, "3", &single_use, Some("req-1")).await;
    assert_eq!(done, (StatusCode::OK, json!("governmentcommunitycloud")));
    assert_eq!(
        remaining(&raw.get("/v1/customers/all/validations").await.1),
        Some(0)
    );

    // Already GCC: accepted again without spending; the spent code still cannot serve another.
    assert_eq!(
        raw.put(AGENCY, "3", &single_use, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        raw.put(SCHOOL, "3", &single_use, None).await.0,
        StatusCode::BAD_REQUEST
    );

    // A retry of an applied request is answered from the idempotency cache.
    sandbox
        .admin()
        .set_qualification(AGENCY, Qualification::None)
        .await
        .expect("drift");
    assert_eq!(raw.put(AGENCY, "3", &single_use, Some("req-1")).await, done);
}

/// A fault after the handler: the PUT is applied, then its answer is lost; the retry under the
/// same MS-RequestId is answered without applying it again.
#[tokio::test]
async fn an_answer_lost_after_the_change_and_its_retry() {
    let (sandbox, raw) = start().await;
    let admin = sandbox.admin();
    admin
        .add_fault(json!({"kind": "drop", "method": "PUT", "count": 1, "after_handler": true}))
        .await
        .expect("fault");
    let lost = raw
        .http
        .put(format!("{}{}", raw.base, qualification_path(SCHOOL)))
        .bearer_auth(DEMO_ACCESS_TOKEN)
        .header("MS-RequestId", "req-lost")
        .body("1")
        .send()
        .await;
    let lost = match lost {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(lost.is_err(), "the answer should be lost");
    assert_eq!(
        admin.qualification(SCHOOL).await.expect("read"),
        Some(Qualification::Education),
        "yet the change was made"
    );
    assert_eq!(
        raw.put(SCHOOL, "1", "", Some("req-lost")).await,
        (StatusCode::OK, json!("education"))
    );
    let counters = admin.counters().await.expect("counters");
    assert_eq!(counters.accepted(SCHOOL, "req-lost"), 1, "{counters:?}");
    assert_eq!(counters.dropped, 1);
    let log = admin.requests().await.expect("log");
    assert_eq!(log[0]["fault"], "drop_after_handler", "{log:?}");
}

#[tokio::test]
async fn admin_routes_drift_customers_counters_and_faults() {
    let (sandbox, raw) = start().await;
    let admin = sandbox.admin();
    admin
        .set_qualification(SCHOOL, Qualification::Nonprofit)
        .await
        .expect("drift");
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await.1,
        json!("nonprofit")
    );

    admin.remove_customer(SCHOOL).await.expect("remove");
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await.0,
        StatusCode::NOT_FOUND
    );
    let added: Vec<sandbox::SeedCustomer> =
        serde_json::from_value(json!([{"id": SCHOOL, "qualification": "education"}]))
            .expect("customer");
    admin.add_customers(&added).await.expect("add");
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await.1,
        json!("education")
    );
    assert_eq!(raw.put(SCHOOL, "1", "", None).await.0, StatusCode::OK);

    let counters = admin.counters().await.expect("counters");
    assert_eq!(
        (
            counters.customer(SCHOOL, "GET"),
            counters.customer(SCHOOL, "PUT")
        ),
        (3, 1)
    );
    assert_eq!(counters.route("GET qualification"), 3);
    assert_eq!(counters.status(404), 1);
    assert_eq!(counters.total, 4, "admin calls are not counted");
    admin.reset_counters().await.expect("reset");
    assert_eq!(admin.counters().await.expect("counters").total, 0);
    assert!(admin.requests().await.expect("log").is_empty());

    // Seeded, the same requests meet the same faults: a run replays.
    let first = seeded_run(&admin, &raw, 42).await;
    assert_eq!(seeded_run(&admin, &raw, 42).await, first, "replayed");
    assert!(
        first.contains(&StatusCode::SERVICE_UNAVAILABLE) && first.contains(&StatusCode::OK),
        "a fraction strikes some requests and spares others: {first:?}"
    );
    assert_ne!(seeded_run(&admin, &raw, 43).await, first, "another seed");
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await.0,
        StatusCode::OK,
        "count spent"
    );

    admin
        .add_fault(json!({"kind": "status", "status": 500}))
        .await
        .expect("fault");
    let state = admin.state().await.expect("admin is not faulted");
    assert_eq!(state.customers.len(), DEMO_CUSTOMERS.len());
    admin.clear_faults().await.expect("clear");
    assert_eq!(raw.get(&qualification_path(SCHOOL)).await.0, StatusCode::OK);
    let refused = admin
        .add_fault(json!({"kind": "status", "status": 200}))
        .await
        .expect_err("200 is no fault");
    assert!(
        matches!(refused, sandbox::AdminError::Refused { status: 400, .. }),
        "{refused}"
    );
}

/// With the dice seeded from `seed`, a fault that strikes half of 100 GETs: what each met.
async fn seeded_run(admin: &SandboxAdmin, raw: &Raw, seed: u64) -> Vec<StatusCode> {
    admin.seed_faults(seed).await.expect("seeded");
    let fault =
        json!({"kind": "status", "status": 503, "fraction": 0.5, "count": 100, "method": "GET"});
    assert!(admin.add_fault(fault).await.expect("fault") > 0);
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses.push(raw.get(&qualification_path(SCHOOL)).await.0);
    }
    statuses
}

#[tokio::test]
async fn state_file_follows_changes_while_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let sandbox = sandbox::spawn(SandboxConfig {
        state_file: Some(path.clone()),
        generated_customers: 2,
        ..SandboxConfig::default()
    })
    .await
    .expect("starts");
    let raw = Raw::new(sandbox.url());
    let generated = generated_customer_id(2);
    assert_eq!(raw.put(&generated, "1", "", None).await.0, StatusCode::OK);

    let saved = async {
        loop {
            let text = std::fs::read_to_string(&path).expect("always a whole file");
            let seed: Seed = serde_json::from_str(&text).expect("always valid JSON");
            if seed
                .customers
                .iter()
                .any(|c| c.id == generated && c.qualification == Qualification::Education)
            {
                return seed;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    // A guard against a writer that never writes, not a claim about its speed.
    let seed = tokio::time::timeout(HANG_GUARD, saved)
        .await
        .expect("the change reached the state file");
    assert_eq!(seed.customers.len(), 7);
    sandbox.shutdown().await.expect("clean shutdown");
}

/// Starts the real binary and returns it with the URL from its first stdout line.
async fn run_binary(state: &std::path::Path) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnercenter-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--customers", "3", "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(HANG_GUARD, lines.next_line())
        .await
        .expect("the binary printed its address")
        .expect("reads")
        .expect("one line");
    let url = line
        .strip_prefix("partnercenter-sandbox listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

async fn terminate(mut child: tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = tokio::time::timeout(HANG_GUARD, child.wait())
        .await
        .expect("the binary exits on SIGTERM")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn binary_serves_persists_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let generated = generated_customer_id(3);

    let (child, url) = run_binary(&state).await;
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    assert_eq!(
        Raw::new(url).put(&generated, "1", "", None).await,
        (StatusCode::OK, json!("education"))
    );
    terminate(child).await;

    let saved: Seed =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state file")).expect("valid");
    let customer = saved
        .customers
        .iter()
        .find(|c| c.id == generated)
        .expect("generated customer saved");
    assert_eq!(customer.qualification, Qualification::Education);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temporary file left"
    );

    let (child, url) = run_binary(&state).await;
    assert_eq!(
        Raw::new(url).get(&qualification_path(&generated)).await,
        (StatusCode::OK, json!("education")),
        "the state survives a restart"
    );
    terminate(child).await;
}

#[tokio::test]
async fn asynchronous_contract_spends_codes_once_and_counts_its_routes() {
    let (sandbox, raw) = start().await;
    let admin = sandbox.admin();
    let path = format!("/v1/customers/{AGENCY}/qualifications");
    let body = format!(
        r#"{{"qualification":"GovernmentCommunityCloud","validationCode":"{DEMO_SINGLE_USE_VALIDATION_CODE}"}}"#
    );
    let post = |request_id| raw.call(reqwest::Method::POST, &path, Some(&body), Some(request_id));
    let first = post("req-9").await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(first.1["qualification"], "GovernmentCommunityCloud");
    let codes = raw.get("/v1/customers/all/validations").await.1;
    assert_eq!(codes[1]["remainingCreates"], 0);

    // Taken away out of band; a retry of the same request is answered, not applied again.
    assert!(
        admin
            .remove_qualification(AGENCY, Qualification::GovernmentCommunityCloud)
            .await
            .expect("removed")
    );
    assert_eq!(post("req-9").await, first);
    assert_eq!(raw.get(&path).await, (StatusCode::OK, json!([])));
    // A new request needs a create the spent code no longer has.
    assert_eq!(post("req-10").await.0, StatusCode::BAD_REQUEST);

    let counters = admin.counters().await.expect("counters");
    assert_eq!(counters.route("POST qualifications"), 3);
    assert_eq!(counters.route("GET qualifications"), 1);
    assert_eq!(counters.customer(AGENCY, "POST"), 3);
    assert_eq!(
        counters.accepted(AGENCY, "req-9"),
        1,
        "the retry was answered, not applied"
    );
    assert_eq!(counters.accepted(AGENCY, "req-10"), 0, "refused");
    assert!(counters.doubled().is_empty(), "{counters:?}");

    // Partner Center's review moves on.
    let school = format!("/v1/customers/{SCHOOL}/qualifications");
    let education = r#"{"qualification":"Education","educationSegment":"HigherEducation"}"#;
    assert_eq!(
        raw.call(reqwest::Method::POST, &school, Some(education), None)
            .await
            .0,
        StatusCode::CREATED
    );
    admin.approve(SCHOOL).await.expect("vetted");
    assert_eq!(raw.get(&school).await.1[0]["vettingStatus"], "Approved");
    let refused = admin.approve(AGENCY).await.expect_err("nothing to vet");
    assert!(
        matches!(refused, sandbox::AdminError::Refused { status: 400, .. }),
        "{refused}"
    );
}

/// Every customer exactly once, in id order, over real pages: the paging a list of a partner's
/// customers rests on.
#[tokio::test]
async fn ten_thousand_customers_page_through() {
    const PAGE: usize = 1000;
    let sandbox = sandbox::spawn(SandboxConfig {
        generated_customers: 10_000 - DEMO_CUSTOMERS.len(),
        ..SandboxConfig::default()
    })
    .await
    .expect("starts");
    let http = sandbox::http_client();
    let mut ids: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let request = match &token {
            None => http.get(format!("{}/v1/customers?size={PAGE}", sandbox.url())),
            Some(token) => http
                .get(format!(
                    "{}/v1/customers?size={PAGE}&seekOperation=Next",
                    sandbox.url()
                ))
                .header("MS-ContinuationToken", token),
        }
        .bearer_auth(DEMO_ACCESS_TOKEN);
        let page: Value = request
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("a collection");
        pages += 1;
        let items = page["items"].as_array().expect("items");
        assert_eq!(page["totalCount"], items.len());
        ids.extend(
            items
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_owned()),
        );
        match page["links"]["next"]["headers"][0]["value"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 10);
    assert_eq!(ids.len(), 10_000);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order, no repeat"
    );
    let counters = sandbox.admin().counters().await.expect("counters");
    assert_eq!(counters.route("GET customers"), 10);
}

/// On paused time: the sandbox serves in this runtime, so the bucket refills only when the test
/// lets time pass.
#[tokio::test(start_paused = true)]
async fn the_rate_limit_throttles_the_api_with_retry_after() {
    let sandbox = sandbox::spawn(SandboxConfig {
        rate_limit: Some(sandbox::RateLimit {
            requests_per_second: 2.0,
            burst: Some(3.0),
        }),
        ..SandboxConfig::default()
    })
    .await
    .expect("starts");
    let raw = Raw::new(sandbox.url());
    let admin = sandbox.admin();
    let school = qualification_path(SCHOOL);
    for _ in 0..3 {
        assert_eq!(raw.get(&school).await.0, StatusCode::OK, "the burst");
    }
    let throttled = sandbox::http_client()
        .get(format!("{}{school}", sandbox.url()))
        .bearer_auth(DEMO_ACCESS_TOKEN)
        .send()
        .await
        .expect("answers");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers()["retry-after"], "1");
    assert_eq!(
        throttled.text().await.expect("body"),
        r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}"#
    );
    // Admin routes are not throttled; half a second refills one request at 2 per second.
    assert_eq!(admin.counters().await.expect("counters").status(429), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(raw.get(&school).await.0, StatusCode::OK);
    assert_eq!(raw.get(&school).await.0, StatusCode::TOO_MANY_REQUESTS);
    let log = admin.requests().await.expect("log");
    assert_eq!(log.iter().filter(|e| e["fault"] == "rate_limit").count(), 2);

    admin.set_rate_limit(None).await.expect("no limit");
    for _ in 0..10 {
        assert_eq!(raw.get(&school).await.0, StatusCode::OK);
    }
    let refused = admin
        .set_rate_limit(Some(sandbox::RateLimit {
            requests_per_second: 0.0,
            burst: None,
        }))
        .await
        .expect_err("no such rate");
    assert!(
        matches!(refused, sandbox::AdminError::Refused { status: 400, .. }),
        "{refused}"
    );
}

/// `/v1/auditrecords?…&filter=` for one customer (plus `extra` query parameters).
fn audit_path(customer: &str, extra: &str) -> String {
    let filter = format!(r#"{{"Field":"CustomerId","Value":"{customer}","Operator":"equals"}}"#);
    let encoded: String = filter
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("/v1/auditrecords?filter={encoded}{extra}")
}

/// Who made each change on a page: the user, else the application, else `?`.
fn changed_by(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            item["userPrincipalName"]
                .as_str()
                .or(item["applicationId"].as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

/// Every page of a listing, following `links.next` (its URI and its header) as a client does.
async fn every_page(raw: &Raw, path: &str) -> Vec<Value> {
    let mut pages = vec![raw.get(path).await];
    while let Some(next) = pages.last().map(|(_, page)| page["links"]["next"].clone())
        && !next.is_null()
    {
        let header = &next["headers"][0];
        assert_eq!(header["key"], "MS-ContinuationToken");
        let request = raw
            .request(reqwest::Method::GET, next["uri"].as_str().expect("uri"))
            .header(
                "MS-ContinuationToken",
                header["value"].as_str().expect("token"),
            );
        pages.push(raw.send(request).await);
    }
    pages
        .into_iter()
        .map(|(status, page)| {
            assert_eq!(status, StatusCode::OK, "{page}");
            page
        })
        .collect()
}

/// Every change is a record naming its maker: the token's user and application through the
/// API, whoever the admin route is told out of band; a retry answered again is no new record.
#[tokio::test]
async fn every_change_is_an_audit_record() {
    let automation = Actor::user("automation@contosopartner.onmicrosoft.com").through("static-app");
    let mut seed = Seed::demo();
    seed.static_token_identity = automation.clone();
    let (sandbox, raw) = start_seeded(seed).await;
    let admin = sandbox.admin();

    let (status, granted) = raw.token("refresh_token", PARTNER_CENTER_RESOURCE).await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    let user_token = granted["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let put = || {
        raw.request_as(
            reqwest::Method::PUT,
            &qualification_path(SCHOOL),
            &user_token,
        )
        .header("MS-RequestId", "req-1")
        .header("MS-CorrelationId", "corr-1")
        .body("1")
    };
    assert_eq!(raw.send(put()).await.0, StatusCode::OK);
    assert_eq!(raw.send(put()).await.0, StatusCode::OK, "a retry");
    let soe = Some(r#"{"qualification":"StateOwnedEntity"}"#);
    let plural = format!("{}s", qualification_path(SCHOOL));
    assert_eq!(
        raw.call(reqwest::Method::POST, &plural, soe, None).await.0,
        StatusCode::CREATED
    );
    let three_days_ago = std::time::SystemTime::now() - Duration::from_secs(3 * 86_400);
    let bob = Actor::user("bob@contoso.com").through("portal");
    admin
        .set_qualification_by(SCHOOL, Qualification::Nonprofit, &bob, Some(three_days_ago))
        .await
        .expect("drift");
    admin
        .set_qualification(AGENCY, Qualification::Education)
        .await
        .expect("another customer");

    // An app-only token reads the log; newest first unless told otherwise.
    let (status, app_only) = raw
        .token("client_credentials", PARTNER_CENTER_RESOURCE)
        .await;
    assert_eq!(status, StatusCode::OK, "{app_only}");
    let read = raw.request_as(
        reqwest::Method::GET,
        &audit_path(SCHOOL, ""),
        app_only["access_token"].as_str().expect("a token"),
    );
    let (status, page) = raw.send(read).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let user = DEMO_USER_PRINCIPAL_NAME.to_owned();
    let automation_user = "automation@contosopartner.onmicrosoft.com".to_owned();
    assert_eq!(
        changed_by(&page),
        [
            automation_user.clone(),
            user.clone(),
            "bob@contoso.com".to_owned()
        ]
    );
    let items = page["items"].as_array().expect("items");
    assert_eq!(
        (
            &items[1]["applicationId"],
            &items[1]["originalCorrelationId"],
            &items[0]["applicationId"],
            &items[2]["applicationId"],
        ),
        (
            &json!(DEMO_CLIENT_ID),
            &json!("corr-1"),
            &json!("static-app"),
            &json!("portal")
        )
    );
    assert_eq!(page["totalCount"], 3);
    let agency = raw.get(&audit_path(AGENCY, "")).await.1;
    assert_eq!(changed_by(&agency), ["?"], "made by nobody known");

    // Each order of the undocumented ones, and a shuffle that replays.
    let ordered = |order, seed| AuditSettings {
        order,
        seed,
        ..AuditSettings::default()
    };
    admin
        .set_audit_settings(ordered(AuditOrder::OldestFirst, 0))
        .await
        .expect("settings");
    let oldest_first = changed_by(&raw.get(&audit_path(SCHOOL, "")).await.1);
    assert_eq!(oldest_first, ["bob@contoso.com", &user, &automation_user]);
    let mut shuffles = Vec::new();
    for seed in [5, 5, 6, 7, 8] {
        admin
            .set_audit_settings(ordered(AuditOrder::Shuffled, seed))
            .await
            .expect("settings");
        shuffles.push(changed_by(&raw.get(&audit_path(SCHOOL, "")).await.1));
    }
    assert_eq!(shuffles[0], shuffles[1], "the same seed, the same order");
    assert!(shuffles.iter().any(|s| *s != oldest_first), "{shuffles:?}");

    // Pages of one record, by `size` or by the settings, hold the whole listing once, even
    // when a change is made between pages.
    admin
        .set_audit_settings(ordered(AuditOrder::OldestFirst, 0))
        .await
        .expect("settings");
    let first_page = raw.get(&audit_path(SCHOOL, "&size=1")).await.1;
    assert_eq!(changed_by(&first_page), ["bob@contoso.com"]);
    admin
        .set_qualification_by(SCHOOL, Qualification::Education, &Actor::user("late"), None)
        .await
        .expect("drift");
    let pages = every_page(&raw, &audit_path(SCHOOL, "&size=1")).await;
    assert_eq!(pages.len(), 4, "a new listing sees the late change");
    admin
        .set_audit_settings(AuditSettings {
            page_size: 3,
            ..ordered(AuditOrder::OldestFirst, 0)
        })
        .await
        .expect("settings");
    let pages = every_page(&raw, &audit_path(SCHOOL, "")).await;
    let listed: Vec<String> = pages.iter().flat_map(changed_by).collect();
    assert_eq!(
        listed,
        ["bob@contoso.com", &user, &automation_user, "late"],
        "pages of the settings' size"
    );
    assert_eq!(pages[0]["totalCount"], 3);
    let refused = admin
        .set_audit_settings(AuditSettings {
            page_size: 0,
            ..AuditSettings::default()
        })
        .await
        .expect_err("no such page size");
    assert!(
        matches!(refused, sandbox::AdminError::Refused { status: 400, .. }),
        "{refused}"
    );

    // The log keeps what the admin route lists, and its route is counted and faulted.
    assert_eq!(admin.audit_records().await.expect("records").len(), 5);
    let counted = admin.counters().await.expect("counters");
    for (status, fault) in [
        (
            403,
            json!({"kind": "status", "status": 403, "path_prefix": "/v1/auditrecords", "count": 1}),
        ),
        (
            429,
            json!({"kind": "status", "status": 429, "retry_after_secs": 1, "path_prefix": "/v1/auditrecords", "count": 1}),
        ),
        (
            500,
            json!({"kind": "status", "status": 500, "path_prefix": "/v1/auditrecords", "count": 1}),
        ),
    ] {
        admin.add_fault(fault).await.expect("fault");
        assert_eq!(raw.get(&audit_path(SCHOOL, "")).await.0.as_u16(), status);
        assert_eq!(
            raw.get(&qualification_path(SCHOOL)).await.0,
            StatusCode::OK,
            "other routes spared"
        );
    }
    let counters = admin.counters().await.expect("counters");
    assert_eq!(
        counters.route("GET auditrecords") - counted.route("GET auditrecords"),
        3
    );
}

/// A seed's records of the last 90 days are served window by window; older ones are dropped,
/// and a window reaching further back is refused.
#[tokio::test]
async fn a_seeded_history_of_ninety_days() {
    let day = Duration::from_secs(86_400);
    let now = std::time::SystemTime::now();
    let mut seed = Seed::demo();
    seed.audit_records = [10, 45, 75, 100]
        .into_iter()
        .map(|days| {
            SeedAuditRecord::qualification_change(
                SCHOOL,
                &[],
                &[Qualification::Education],
                Actor::user(format!("{days} days ago")),
                now - days * day,
            )
        })
        .collect();
    let (sandbox, raw) = start_seeded(seed).await;
    let window = |from_days: u32, to_days: u32| {
        format!(
            "&startDate={}&endDate={}",
            sandbox::rfc3339(now - from_days * day),
            sandbox::rfc3339(now - to_days * day)
        )
    };
    let mut seen = Vec::new();
    for (from, to) in [(90, 60), (60, 30), (30, 0)] {
        let (status, page) = raw.get(&audit_path(SCHOOL, &window(from, to))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.push(changed_by(&page));
    }
    assert_eq!(
        seen,
        [["75 days ago"], ["45 days ago"], ["10 days ago"]],
        "each window its own records"
    );
    assert_eq!(
        changed_by(&raw.get(&audit_path(SCHOOL, "")).await.1),
        ["10 days ago"],
        "without dates, the last 30 days"
    );
    for refused in [window(91, 61), window(60, 0)] {
        let (status, page) = raw.get(&audit_path(SCHOOL, &refused)).await;
        assert_eq!(
            (status, &page["code"]),
            (StatusCode::BAD_REQUEST, &json!(3000)),
            "{refused}: {page}"
        );
    }
    let kept = sandbox.admin().audit_records().await.expect("records");
    assert_eq!(kept.len(), 3, "older than 90 days: dropped");
}

/// The request log names each call's MS-RequestId and MS-CorrelationId, and the resource each
/// token request asked for; the counters count the resources.
#[tokio::test]
async fn the_request_log_names_ids_and_resources() {
    let (sandbox, raw) = start().await;
    let admin = sandbox.admin();
    for correlation in ["corr-1", "corr-2"] {
        let request = raw
            .request(reqwest::Method::GET, &qualification_path(SCHOOL))
            .header("MS-RequestId", "req-1")
            .header("MS-CorrelationId", correlation);
        raw.send(request).await;
    }
    assert_eq!(
        raw.token("client_credentials", PARTNER_CENTER_RESOURCE)
            .await
            .0,
        StatusCode::OK
    );
    let china = "https://partner.partnercenterapi.microsoftonline.cn";
    assert_eq!(
        raw.token("client_credentials", china).await.0,
        StatusCode::BAD_REQUEST
    );
    admin.set_cloud(Cloud::China).await.expect("cloud");
    assert_eq!(
        raw.token("client_credentials", china).await.0,
        StatusCode::OK
    );
    admin
        .add_error_case(ErrorCase::SignInNeedsMfa, Some(1))
        .await
        .expect("fault");
    assert_eq!(
        raw.token("refresh_token", china).await.0,
        StatusCode::BAD_REQUEST
    );

    let log = admin.requests().await.expect("log");
    let seen: Vec<(Value, Value, Value, Value, Value)> = log
        .iter()
        .map(|e| {
            (
                e["ms_requestid"].clone(),
                e["ms_correlationid"].clone(),
                e["resource"].clone(),
                e["status"].clone(),
                e["fault"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                json!("req-1"),
                json!("corr-1"),
                Value::Null,
                json!(200),
                Value::Null
            ),
            (
                json!("req-1"),
                json!("corr-2"),
                Value::Null,
                json!(200),
                Value::Null
            ),
            (
                Value::Null,
                Value::Null,
                json!(PARTNER_CENTER_RESOURCE),
                json!(200),
                Value::Null
            ),
            (
                Value::Null,
                Value::Null,
                json!(china),
                json!(400),
                Value::Null
            ),
            (
                Value::Null,
                Value::Null,
                json!(china),
                json!(200),
                Value::Null
            ),
            (
                Value::Null,
                Value::Null,
                Value::Null,
                json!(400),
                json!("aadsts50076")
            ),
        ]
    );
    let counters = admin.counters().await.expect("counters");
    assert_eq!(
        (
            counters.token_resource(PARTNER_CENTER_RESOURCE),
            counters.token_resource(china)
        ),
        (1, 2)
    );
}

/// The token cases whose messages carry dates: each date is of the time Entra would give.
#[tokio::test]
async fn dated_token_cases() {
    let (sandbox, raw) = start().await;
    let admin = sandbox.admin();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
    );
    let days = |n: i64| time::Duration::days(n);
    for (case, prefix, dates) in [
        (
            ErrorCase::RefreshTokenInactive,
            "AADSTS700082: The refresh token has expired due to inactivity. The token was issued \
             on ",
            vec![days(120)],
        ),
        (
            ErrorCase::RefreshTokenRevoked,
            "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth \
             token is needed. The user might have changed or reset their password. The grant was \
             issued on '",
            vec![days(10), days(1)],
        ),
    ] {
        admin.add_error_case(case, Some(1)).await.expect("fault");
        let before = time::OffsetDateTime::now_utc();
        let (status, body) = raw.token("refresh_token", PARTNER_CENTER_RESOURCE).await;
        let after = time::OffsetDateTime::now_utc();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant", "{body}");
        let description = body["error_description"].as_str().expect("a description");
        assert!(description.starts_with(prefix), "{description}");
        // The dates are the words that read as dates, in the order of `dates`.
        let found: Vec<time::OffsetDateTime> = description
            .split([' ', '\''])
            .filter_map(|word| time::PrimitiveDateTime::parse(word, &format).ok())
            .map(time::PrimitiveDateTime::assume_utc)
            .collect();
        assert_eq!(found.len(), dates.len(), "{description}");
        for (at, ago) in found.iter().zip(&dates) {
            // Entra's dates are cut to whole ticks: up to a tick before the true instant.
            let tick = time::Duration::nanoseconds(100);
            assert!(
                before - *ago - tick <= *at && *at <= after - *ago,
                "{at} is not {ago} before the request: {description}"
            );
        }
        assert!(description.contains("\r\nTrace ID: "), "{description}");
    }
}
