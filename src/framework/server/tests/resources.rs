//! The managed resource RPCs: validate, plan, apply, read and import, and what they keep when
//! they fail.

use std::sync::atomic::Ordering;

use super::*;

#[tokio::test]
async fn validate_calls_the_handler_once() {
    let server = configured().await;
    let diagnostics = validate(&server, THING, thing("a"), None).await;
    assert_eq!(summaries(&diagnostics), ["Checked"]);
    let validations = &server.provider.things.validations;
    assert_eq!(validations.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_destroy_is_planned_with_its_warnings() {
    let server = configured().await;
    let plan = plan(&server, THING, Some(thing("a")), null_thing()).await;
    assert_eq!(summaries(&plan.diagnostics), ["Kept"]);
    assert_eq!(plan.diagnostics[0].detail, "a stays.");
    assert!(!plan.diagnostics.iter().any(is_error));
    assert_eq!(plan.planned_state, Some(null_thing()));
    assert_eq!(plan.planned_private, PRIVATE);
}

#[tokio::test]
async fn a_failed_apply_keeps_the_prior_state_and_private() {
    let server = configured().await;
    let update = apply(&server, THING, Some(thing("a")), thing("b")).await;
    assert_eq!(summaries(&update.diagnostics), ["Refused"]);
    assert_eq!(update.new_state, Some(thing("a")));
    assert_eq!(update.private, PRIVATE);

    let create = apply(&server, THING, None, thing("b")).await;
    assert_eq!(summaries(&create.diagnostics), ["Refused"]);
    assert_eq!(create.new_state, None, "a failed create leaves nothing");
}

#[tokio::test]
async fn a_gone_object_reads_as_null_with_the_warning() {
    let server = configured().await;
    for (id, new_state, diagnostic) in [
        ("gone", null_thing(), Some("Gone")),
        ("here", thing("here"), None),
        // A failed read keeps the state and private data Terraform has.
        ("broken", thing("broken"), Some("Refused")),
    ] {
        let read = read(&server, THING, thing(id), None).await;
        assert_eq!(read.new_state, Some(new_state), "{id}");
        assert_eq!(summaries(&read.diagnostics), Vec::from_iter(diagnostic));
        assert_eq!(read.diagnostics.iter().any(is_error), id == "broken");
        assert_eq!(read.private, PRIVATE, "{id}");
    }
}

#[tokio::test]
async fn import_is_refused_unless_offered() {
    let server = configured().await;
    let import = import(&server, THING, "a", None).await;
    assert_eq!(summaries(&import.diagnostics), ["Import not supported"]);
    assert!(import.imported_resources.is_empty());
}

fn secret() -> Attr<String> {
    Attr::Known("s3cr3t".to_owned())
}

/// Terraform before 1.11 sends no client capabilities and would store a write-only value, so
/// one in the configuration is refused; a Terraform that can keep it out of the state gets on.
#[tokio::test]
async fn write_only_values_need_a_terraform_that_keeps_them_out_of_state() {
    let server = configured().await;
    for (value, write_only_allowed) in [
        (secret(), None),
        (secret(), Some(false)),
        (Attr::Unknown, None),
    ] {
        let config = thing_with_secret("a", value);
        let diagnostics = validate(&server, THING, config, write_only_allowed).await;
        let refused: Vec<_> = diagnostics.iter().filter(|d| is_error(d)).collect();
        assert_eq!(refused.len(), 1, "{diagnostics:?}");
        assert_eq!(
            refused[0].summary,
            "Write-only attribute not supported by this Terraform"
        );
        let step = &refused[0].attribute.as_ref().unwrap().steps[0];
        assert_eq!(
            step.selector,
            Some(proto::attribute_path::step::Selector::AttributeName(
                "secret".to_owned()
            ))
        );
    }
    for (value, write_only_allowed) in [(secret(), Some(true)), (Attr::Null, None)] {
        let config = thing_with_secret("a", value);
        let diagnostics = validate(&server, THING, config, write_only_allowed).await;
        assert_eq!(summaries(&diagnostics), ["Checked"]);
    }
}

/// Whatever a resource returns, a write-only attribute reaches Terraform as null.
#[tokio::test]
async fn write_only_values_never_leave_the_provider() {
    let server = configured().await;
    let read = read(&server, THING, thing_with_secret("here", secret()), None).await;
    assert_eq!(read.new_state, Some(thing("here")));
    let plan = plan(&server, THING, None, thing_with_secret("a", secret())).await;
    assert_eq!(plan.planned_state, Some(thing("a")));
}

/// Found by a protocol fuzzer: a failed read echoed whatever Terraform sent, a partial object
/// or bytes that are no value at all, beside the error.
#[tokio::test]
async fn a_failed_read_answers_the_prior_state_or_nothing() {
    let raw = |msgpack: &[u8]| proto::DynamicValue {
        msgpack: msgpack.to_vec(),
        json: Vec::new(),
    };
    let unconfigured = GrpcProvider::new(TestProvider::default());
    // `{}`: the object without its id. The read fails (nothing is configured), and the prior
    // state comes back whole.
    let partial = read(&unconfigured, THING, raw(&[0x80]), None).await;
    assert_eq!(summaries(&partial.diagnostics), ["Provider not configured"]);
    let prior = Thing {
        id: Attr::Null,
        secret: Attr::Null,
    };
    assert_eq!(
        partial.new_state,
        Some(dynamic::encode(&prior.to_value(), &Thing::ty()).unwrap())
    );

    let server = configured().await;
    // `{"id": <0xc1>}`, and a type this provider does not have: nothing to answer with.
    let unreadable = raw(&[0x81, 0xa2, b'i', b'd', 0xc1]);
    let unreadable = read(&server, THING, unreadable, None).await;
    assert!(unreadable.diagnostics.iter().any(is_error));
    assert_eq!(unreadable.new_state, None);
    let unknown_type = read(&server, "test_other", thing("a"), None).await;
    assert_eq!(
        summaries(&unknown_type.diagnostics),
        ["Unknown resource type"]
    );
    assert_eq!(unknown_type.new_state, None);
}
