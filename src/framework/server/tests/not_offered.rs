//! The RPCs of features the provider does not offer: a diagnostic that names the feature and
//! the provider, never a gRPC status.

use futures_util::StreamExt as _;

use super::*;

#[tokio::test]
async fn rpcs_not_offered_answer_with_diagnostics_not_a_status() {
    let server = configured().await;
    let server = &server;
    for (diagnostics, feature) in [
        (
            call(server, ProviderRpc::move_resource_state, Default::default())
                .await
                .diagnostics,
            "moving state between resource types",
        ),
        (
            call(
                server,
                ProviderRpc::generate_resource_config,
                Default::default(),
            )
            .await
            .diagnostics,
            "configuration generation",
        ),
        (
            call(
                server,
                ProviderRpc::validate_ephemeral_resource_config,
                Default::default(),
            )
            .await
            .diagnostics,
            "ephemeral resources",
        ),
        (
            call(
                server,
                ProviderRpc::open_ephemeral_resource,
                Default::default(),
            )
            .await
            .diagnostics,
            "ephemeral resources",
        ),
        (
            call(server, ProviderRpc::lock_state, Default::default())
                .await
                .diagnostics,
            "state stores",
        ),
        (
            call(server, ProviderRpc::plan_action, Default::default())
                .await
                .diagnostics,
            "actions",
        ),
    ] {
        let [diagnostic] = &diagnostics[..] else {
            panic!("one diagnostic: {diagnostics:?}");
        };
        assert!(is_error(diagnostic), "{diagnostic:?}");
        assert_eq!(diagnostic.summary, format!("{feature} not supported"));
        assert_eq!(
            diagnostic.detail,
            format!("The test provider offers no {feature}.")
        );
    }
    let mut events = call(server, ProviderRpc::read_state_bytes, Default::default()).await;
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(
        summaries(&event.diagnostics),
        ["state stores not supported"]
    );
    assert!(events.next().await.is_none(), "one event, then the end");
    let request = proto::call_function::Request {
        name: "f".to_owned(),
        ..Default::default()
    };
    let function = call(server, ProviderRpc::call_function, request).await;
    assert_eq!(
        function.error.map(|e| e.text),
        Some("The test provider offers no functions.".to_owned())
    );
}
