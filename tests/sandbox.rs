//! The sandbox over HTTP: Partner Center's answers and rules, the admin routes, the binary.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use terraform_provider_partnercenter::partnercenter::{
    Client, ClientConfig, Credentials, Qualification, Secret, user_agent,
};
use terraform_provider_partnercenter::sandbox::{
    self, DEMO_ACCESS_TOKEN, RunningSandbox, SandboxConfig, Seed, generated_customer_id,
};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

const SCHOOL: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
const AGENCY: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";

/// A raw HTTP caller with the demo's static token, to see exactly what the sandbox answers.
struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    fn new(base: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            base,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        request_id: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(DEMO_ACCESS_TOKEN);
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        if let Some(id) = request_id {
            request = request.header("MS-RequestId", id);
        }
        let response = request.send().await.expect("sandbox answers");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
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
}

async fn start() -> (RunningSandbox, Raw) {
    let sandbox = sandbox::spawn(SandboxConfig::default())
        .await
        .expect("starts");
    let raw = Raw::new(sandbox.url());
    (sandbox, raw)
}

fn qualification_path(customer: &str) -> String {
    format!("/v1/customers/{customer}/qualification")
}

#[tokio::test]
async fn answers_with_partner_center_bodies_and_errors() {
    let (_sandbox, raw) = start().await;
    assert_eq!(
        raw.put(SCHOOL, "1", "", None).await,
        (StatusCode::OK, json!("education"))
    );
    assert_eq!(
        raw.get(&qualification_path(SCHOOL)).await,
        (StatusCode::OK, json!("education"))
    );

    let (status, codes) = raw.get("/v1/customers/all/validations").await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = codes[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "partnerId",
        "organizationName",
        "validationId",
        "maxCreates",
        "remainingCreates",
        "eTag",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }

    let (status, body) = raw.put(SCHOOL, "\"Education\"", "", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (&body["code"], &body["data"], &body["source"]),
        (&json!(3000), &json!([]), &json!("PartnerFD"))
    );
    assert_eq!(
        raw.get(&qualification_path("not-a-guid")).await.1["code"],
        900118
    );
    let (status, body) = raw
        .get(&qualification_path("11111111-2222-4333-8444-555555555555"))
        .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!(1000))
    );
    for refused in ["0", "2", "4"] {
        assert_eq!(
            raw.put(SCHOOL, refused, "", None).await.0,
            StatusCode::BAD_REQUEST,
            "{refused}"
        );
    }

    let url = format!("{}{}", raw.base, qualification_path(SCHOOL));
    let anonymous = raw.http.get(&url).send().await.expect("answers");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let forged = raw
        .http
        .get(&url)
        .bearer_auth("forged")
        .send()
        .await
        .expect("answers");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // The token is checked before the request itself: an anonymous malformed PUT learns only
    // that it is not signed in; a signed-in one gets Partner Center's error shape.
    let malformed = raw
        .http
        .put(format!("{url}?code=%ZZ"))
        .body(vec![0xff, 0xfe])
        .send()
        .await
        .expect("answers");
    assert_eq!(malformed.status(), StatusCode::UNAUTHORIZED);
    let signed_in = raw
        .http
        .put(&url)
        .bearer_auth(DEMO_ACCESS_TOKEN)
        .body(vec![0xff, 0xfe])
        .send()
        .await
        .expect("answers");
    assert_eq!(signed_in.status(), StatusCode::BAD_REQUEST);
    let body: Value = signed_in
        .json()
        .await
        .expect("Partner Center's error shape");
    assert_eq!(body["code"], 3000, "{body}");
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
    let done = raw
        .put(AGENCY, "3", "?code=GCC-DEMO-0002", Some("req-1"))
        .await;
    assert_eq!(done, (StatusCode::OK, json!("governmentcommunitycloud")));
    assert_eq!(
        remaining(&raw.get("/v1/customers/all/validations").await.1),
        Some(0)
    );

    // Already GCC: accepted again without spending; the spent code still cannot serve another.
    assert_eq!(
        raw.put(AGENCY, "3", "?code=GCC-DEMO-0002", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        raw.put(SCHOOL, "3", "?code=GCC-DEMO-0002", None).await.0,
        StatusCode::BAD_REQUEST
    );

    // A retry of an applied request is answered from the idempotency cache.
    sandbox
        .admin()
        .set_qualification(AGENCY, Qualification::None)
        .await
        .expect("drift");
    assert_eq!(
        raw.put(AGENCY, "3", "?code=GCC-DEMO-0002", Some("req-1"))
            .await,
        done
    );
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
    assert_eq!(counters["customers"][SCHOOL], json!({"GET": 3, "PUT": 1}));
    assert_eq!(counters["routes"]["GET qualification"], 3);
    assert_eq!(counters["status"]["404"], 1);
    assert_eq!(counters["total"], 4, "admin calls are not counted");
    admin.reset_counters().await.expect("reset");
    assert_eq!(admin.counters().await.expect("counters")["total"], 0);
    assert!(admin.requests().await.expect("log").is_empty());

    let id = admin
        .add_fault(json!({"kind": "status", "status": 503, "fraction": 0.5, "count": 100, "method": "GET"}))
        .await
        .expect("fault");
    assert!(id > 0);
    let mut failed = 0;
    for _ in 0..100 {
        if raw.get(&qualification_path(SCHOOL)).await.0 == StatusCode::SERVICE_UNAVAILABLE {
            failed += 1;
        }
    }
    assert!((20..=80).contains(&failed), "{failed} of 100 failed");
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
    assert_eq!(state.customers.len(), 5);
    admin.clear_faults().await.expect("clear");
    assert_eq!(raw.get(&qualification_path(SCHOOL)).await.0, StatusCode::OK);
    let bad = reqwest::Client::new()
        .post(format!("{}/admin/faults", raw.base))
        .json(&json!({"kind": "status", "status": 200}))
        .send()
        .await
        .expect("answers");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
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
    let seed = tokio::time::timeout(Duration::from_secs(5), saved)
        .await
        .expect("saved in time");
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
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("prints in time")
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
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits in time")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
}

fn client(url: &str) -> Client {
    let mut config = ClientConfig::new(
        Credentials::AccessToken(Secret::new(DEMO_ACCESS_TOKEN)),
        user_agent("0.1.0", "1.15.5"),
    );
    config.base_url = url.to_owned();
    Client::new(config, CancellationToken::new()).expect("client")
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
    let first = client(&url);
    first
        .set_qualification(&generated, Qualification::Education, None)
        .await
        .expect("set");
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
        client(&url)
            .get_qualification(&generated)
            .await
            .expect("get"),
        Qualification::Education,
        "the state survives a restart"
    );
    terminate(child).await;
}
