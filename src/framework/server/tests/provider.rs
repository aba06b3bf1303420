//! What Terraform asks before anything else: metadata, schemas, and types by name.

use super::*;
use fixtures::ECHO;

#[tokio::test]
async fn schemas_and_capabilities_are_announced() {
    let (schema, metadata) = announced(&configured().await).await;
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
    let attributes = &schema.resource_schemas[THING]
        .block
        .as_ref()
        .unwrap()
        .attributes;
    assert_eq!(attributes[0].name, "id");
    assert!(attributes[0].required);
    assert!(schema.data_source_schemas.contains_key(ECHO));
    assert!(metadata.server_capabilities.unwrap().plan_destroy);
}

/// Terraform 1.12+ asks every provider for both while loading its schemas, and fails the
/// whole load on an error diagnostic in either answer.
#[tokio::test]
async fn identity_schemas_and_functions_answer_without_errors() {
    let server = configured().await;
    let identities = call(
        &server,
        ProviderRpc::get_resource_identity_schemas,
        Default::default(),
    )
    .await;
    assert!(identities.diagnostics.is_empty());
    // Only the resource that has an identity has an identity schema.
    assert_eq!(
        identities.identity_schemas.keys().collect::<Vec<_>>(),
        [KEYED]
    );
    let key = &identities.identity_schemas[KEYED];
    assert_eq!(key.version, 0);
    assert_eq!(key.identity_attributes[0].name, "id");
    assert!(key.identity_attributes[0].required_for_import);
    let functions = call(&server, ProviderRpc::get_functions, Default::default()).await;
    assert!(functions.diagnostics.is_empty());
    assert!(functions.functions.is_empty());
}

#[tokio::test]
async fn unknown_type_names_give_a_diagnostic() {
    let server = configured().await;
    let read_data_source = proto::read_data_source::Request {
        type_name: "nope".to_owned(),
        ..Default::default()
    };
    for (diagnostics, kind) in [
        (
            validate(&server, "nope", thing("a"), None).await,
            "resource",
        ),
        (
            apply(&server, "nope", None, thing("a")).await.diagnostics,
            "resource",
        ),
        (
            call(&server, ProviderRpc::read_data_source, read_data_source)
                .await
                .diagnostics,
            "data source",
        ),
    ] {
        assert_eq!(summaries(&diagnostics), [format!("Unknown {kind} type")]);
    }
}
