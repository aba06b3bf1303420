//! StopProvider (Ctrl-C) ends a listing at once: the stream ends with a diagnostic, not when
//! Partner Center's slow answers come. The calls go straight to the provider's gRPC service, in
//! process, as Terraform makes them, on paused time: the sandbox serves in the same runtime, so
//! waits of a minute cost nothing and the elapsed time read is exact.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use partnercenter_sandbox::{self as sandbox, DEMO_ACCESS_TOKEN, SandboxConfig};
use serde_json::{Value as Json, json};
use terraform_provider_partnercenter::framework::Provider as _;
use terraform_provider_partnercenter::framework::server::GrpcProvider;
use terraform_provider_partnercenter::protocol::tfplugin6 as proto;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_server::Provider as _;
use terraform_provider_partnercenter::protocol::{Value, dynamic};
use terraform_provider_partnercenter::provider::PartnerCenterProvider;
use terraform_provider_partnercenter::provider::resources::customer_qualification::TYPE_NAME;
use tokio::time::Instant;
use tonic::Request;

#[tokio::test(start_paused = true)]
async fn stop_provider_ends_a_listing_at_once() {
    let sandbox = sandbox::spawn(SandboxConfig {
        generated_customers: 50,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    // Every qualification read takes a minute; the fault counts the reads it holds.
    sandbox
        .admin()
        .add_fault(json!({
            "kind": "latency", "millis": 60_000, "path_prefix": "/v1/customers/",
            "count": READS_HELD
        }))
        .await
        .expect("fault");

    let provider = PartnerCenterProvider::new();
    let provider_type = provider.schema().value_type();
    let server = Arc::new(GrpcProvider::new(provider));
    let config = Value::object([
        ("base_url", Value::string(sandbox.url())),
        ("access_token", Value::string(DEMO_ACCESS_TOKEN)),
    ]);
    let configured = server
        .configure_provider(Request::new(proto::configure_provider::Request {
            config: Some(dynamic::encode(&config, &provider_type).expect("config")),
            ..Default::default()
        }))
        .await
        .expect("an answer")
        .into_inner();
    assert!(configured.diagnostics.is_empty(), "{configured:?}");

    let events = server
        .list_resource(Request::new(proto::list_resource::Request {
            type_name: TYPE_NAME.to_owned(),
            config: None,
            include_resource_object: false,
            limit: 100,
        }))
        .await
        .expect("a stream")
        .into_inner();

    // Stop once the sandbox holds a read: the listing is then waiting on Partner Center.
    let stopper = Arc::clone(&server);
    let faults = format!("{}/admin/faults", sandbox.url());
    let stopped = tokio::spawn(async move {
        let http = sandbox::http_client();
        while reads_held(&http, &faults).await == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        stopper
            .stop_provider(Request::new(proto::stop_provider::Request {}))
            .await
            .expect("stopped");
        Instant::now()
    });
    let events: Vec<_> = events.map(|e| e.expect("an event")).collect().await;
    let ended = Instant::now();
    let stopped = stopped.await.expect("the stopper");
    assert!(
        ended.duration_since(stopped) < Duration::from_secs(1),
        "the listing ended {:?} after the stop, not at once",
        ended.duration_since(stopped)
    );
    let [event] = &events[..] else {
        panic!("one event expected: {events:?}")
    };
    assert_eq!(event.identity, None);
    let summaries: Vec<&str> = event
        .diagnostic
        .iter()
        .map(|d| d.summary.as_str())
        .collect();
    assert_eq!(summaries, ["Request cancelled"], "{events:?}");
}

/// How many reads the latency fault may hold in all: more than the listing sends at once.
const READS_HELD: u64 = 1000;

/// How many qualification reads the sandbox's latency fault holds or has held, from the
/// fault's remaining count (the admin client has no call for the fault list).
async fn reads_held(http: &reqwest::Client, faults: &str) -> u64 {
    let listed: Json = http
        .get(faults)
        .send()
        .await
        .expect("the fault list")
        .json()
        .await
        .expect("the fault list is JSON");
    let remaining = listed[0]["remaining"].as_u64().expect("the latency fault");
    READS_HELD - remaining
}
