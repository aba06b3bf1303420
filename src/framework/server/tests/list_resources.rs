//! The list resource RPCs (`terraform query`): validating a `list` block, and streaming what it
//! finds with each object's identity.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt as _;

use super::*;
use fixtures::Prefix;

/// A `list` block's `config`: null without a `config { }` block, else one with `prefix`.
fn config(prefix: Option<&str>) -> Option<proto::DynamicValue> {
    let config = prefix.map_or(Value::Null, |p| {
        Value::object([("prefix", Value::string(p))])
    });
    Some(dynamic::encode(&config, &Prefix::ty()).unwrap())
}

/// Every event of a listing of the objects whose id starts with `prefix`.
async fn list(
    server: &Server,
    type_name: &str,
    prefix: &str,
    include_resource_object: bool,
    limit: i64,
) -> Vec<proto::list_resource::Event> {
    let request = proto::list_resource::Request {
        type_name: type_name.to_owned(),
        config: config(Some(prefix)),
        include_resource_object,
        limit,
    };
    let events = call(server, ProviderRpc::list_resource, request).await;
    events.map(|event| event.expect("an event")).collect().await
}

#[tokio::test]
async fn list_resources_are_announced_and_validated() {
    let server = configured().await;
    let (schema, metadata) = announced(&server).await;
    let list = schema.list_resource_schemas[KEYED].block.as_ref().unwrap();
    assert_eq!(list.attributes[0].name, "prefix");
    assert_eq!(metadata.list_resources[0].type_name, KEYED);
    // Without a config block, every attribute is null.
    for (prefix, diagnostics) in [(Some("bad"), &["Bad prefix"][..]), (None, &[])] {
        let request = proto::validate_list_resource_config::Request {
            type_name: KEYED.to_owned(),
            config: config(prefix),
            ..Default::default()
        };
        let validated = call(&server, ProviderRpc::validate_list_resource_config, request).await;
        assert_eq!(summaries(&validated.diagnostics), diagnostics);
    }
}

#[tokio::test]
async fn listings_stream_identities_up_to_the_limit() {
    let server = configured().await;
    let produced = Arc::clone(&server.provider.keys.produced);
    let events = list(&server, KEYED, "a", false, 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].display_name, "Key A1");
    assert_eq!(identity_id(events[0].identity.clone()), known("a1"));
    assert_eq!(events[0].resource_object, None, "not asked for");
    assert_eq!(
        produced.load(Ordering::SeqCst),
        1,
        "nothing listed past the limit"
    );

    let events = list(&server, KEYED, "a", true, 2).await;
    let names: Vec<_> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, ["Key A1", "Key a2"]);
    let state = dynamic::decode(events[1].resource_object.as_ref(), &Keyed::ty()).unwrap();
    assert_eq!(state.attr("id"), Some(&Value::string("a2")));

    assert!(list(&server, KEYED, "a", false, 0).await.is_empty());
}

#[tokio::test]
async fn an_error_ends_the_listing() {
    let server = configured().await;
    let events = list(&server, KEYED, "a", false, 100).await;
    let names: Vec<_> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, ["Key A1", "Key a2", ""], "a3 comes after the error");
    let last = events.last().unwrap();
    assert_eq!(summaries(&last.diagnostic), ["Refused"]);
    assert_eq!(last.identity, None);

    let unknown = list(&server, "nope", "", false, 100).await;
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        summaries(&unknown[0].diagnostic),
        ["Unknown list resource type"]
    );
}
