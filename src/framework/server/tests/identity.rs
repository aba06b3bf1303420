//! Resource identity on the wire: every answer carries the identity of the state it answers
//! with, derived by the provider, never taken from what Terraform sent.

use super::*;

/// Terraform before 1.12 and OpenTofu send no identity; the answer carries one anyway, taken
/// from the state, and a failed read keeps whatever Terraform had.
#[tokio::test]
async fn reads_answer_with_the_identity_of_the_state() {
    let server = configured().await;
    for (id, sent, answered) in [
        ("A", None, known("a")),
        ("A", identity("a"), known("a")),
        // A removed object has no identity.
        ("gone", identity("gone"), None),
        ("broken", identity("broken"), known("broken")),
    ] {
        let read = read(&server, KEYED, key(id), sent).await;
        assert_eq!(identity_id(read.new_identity), answered, "{id}");
        let failed = read.diagnostics.iter().any(is_error);
        assert_eq!(failed, id == "broken", "{:?}", read.diagnostics);
    }
    // A resource without identity answers none.
    let thing = read(&server, THING, thing("a"), None).await;
    assert_eq!(thing.new_identity, None);
}

#[tokio::test]
async fn plans_name_the_planned_identity() {
    let server = configured().await;
    let unknown = || keyed(Attr::Unknown, Attr::Known(1));
    let resized = keyed(Attr::Known("A".to_owned()), Attr::Known(2));
    for (what, prior, proposed, planned, replaced) in [
        (
            "a create may plan an unknown identity",
            None,
            unknown(),
            Some(Attr::Unknown),
            false,
        ),
        ("an update", Some(key("A")), resized, known("a"), false),
        (
            "an in-place update plans a known one",
            Some(key("A")),
            unknown(),
            known("a"),
            false,
        ),
        ("a replacement", Some(key("A")), key("B"), known("b"), true),
        ("a destroy", Some(key("A")), null_keyed(), None, false),
    ] {
        let plan = plan(&server, KEYED, prior, proposed).await;
        assert!(
            plan.diagnostics.is_empty(),
            "{what}: {:?}",
            plan.diagnostics
        );
        assert_eq!(identity_id(plan.planned_identity), planned, "{what}");
        assert_eq!(!plan.requires_replace.is_empty(), replaced, "{what}");
    }
}

#[tokio::test]
async fn applies_answer_with_the_new_identity_or_keep_the_prior_one() {
    let server = configured().await;
    let too_big = keyed(Attr::Known("A".to_owned()), Attr::Known(13));
    for (what, prior, planned, new_identity, refused) in [
        ("a create", None, key("New"), known("new"), false),
        (
            "a failed create leaves nothing",
            None,
            key("refused"),
            None,
            true,
        ),
        (
            "a failed update keeps the prior one",
            Some(key("A")),
            too_big,
            known("a"),
            true,
        ),
        ("a destroy", Some(key("A")), null_keyed(), None, false),
    ] {
        let applied = apply(&server, KEYED, prior, planned).await;
        assert_eq!(identity_id(applied.new_identity), new_identity, "{what}");
        let diagnostics = summaries(&applied.diagnostics);
        assert_eq!(diagnostics, Vec::from_iter(refused.then_some("Refused")));
    }
}

#[tokio::test]
async fn imports_take_an_identity_or_an_id_and_answer_the_identity() {
    let server = configured().await;
    let by_identity = import(&server, KEYED, "", identity("X")).await;
    let diagnostics = &by_identity.diagnostics;
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let imported = by_identity.imported_resources.into_iter().next().unwrap();
    let state = dynamic::decode(imported.state.as_ref(), &Keyed::ty()).unwrap();
    assert_eq!(state.attr("id"), Some(&Value::string("X")));
    assert_eq!(identity_id(imported.identity), known("x"));

    let by_id = import(&server, KEYED, "Y", None).await;
    let imported = by_id.imported_resources.into_iter().next().unwrap();
    assert_eq!(identity_id(imported.identity), known("y"));

    let unknown = import(&server, KEYED, "", Some(identity_data(Attr::Unknown))).await;
    assert_eq!(summaries(&unknown.diagnostics), ["Invalid import identity"]);
    let without = import(&server, THING, "", identity("x")).await;
    assert_eq!(
        summaries(&without.diagnostics),
        ["Resource has no identity"]
    );
}

#[tokio::test]
async fn stored_identities_of_the_current_version_upgrade() {
    let server = configured().await;
    let upgrade = |type_name: &str, version| {
        let request = proto::upgrade_resource_identity::Request {
            type_name: type_name.to_owned(),
            version,
            raw_identity: Some(proto::RawState {
                json: br#"{"id":"a"}"#.to_vec(),
                ..Default::default()
            }),
        };
        call(&server, ProviderRpc::upgrade_resource_identity, request)
    };
    let upgraded = upgrade(KEYED, 0).await;
    let diagnostics = &upgraded.diagnostics;
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(identity_id(upgraded.upgraded_identity), known("a"));
    let newer = upgrade(KEYED, 1).await;
    assert_eq!(
        summaries(&newer.diagnostics),
        ["Unsupported identity version"]
    );
    let none = upgrade(THING, 0).await;
    assert_eq!(summaries(&none.diagnostics), ["Resource has no identity"]);
}
