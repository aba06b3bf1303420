use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use tonic::Request;

use super::*;
use crate::framework::{Applied, Attr, AttrValue, DataSource, Object, Refreshed, Resource};
use crate::protocol::{Schema, Value, dynamic};

crate::object! {
    #[names(ThingNames)]
    struct Thing {
        id: String => Required(""),
        secret: String => Optional("").write_only(),
    }
}

/// A resource whose create and update fail, whose read answers by the id it is given, and
/// whose destroy warns.
#[derive(Default)]
struct Things {
    validations: AtomicUsize,
}

fn refused() -> Diagnostics {
    Diagnostic::error("Refused", "The server refused the change.").into()
}

#[tonic::async_trait]
impl Resource<()> for Things {
    type State = Thing;
    const TYPE_NAME: &'static str = "test_thing";
    const DESCRIPTION: &'static str = "";

    async fn create(&self, _: &(), _: Thing, _: Thing) -> Result<Applied<Thing>, Diagnostics> {
        Err(refused())
    }

    async fn read(&self, _: &(), state: Thing) -> Result<Refreshed<Thing>, Diagnostics> {
        match state.id.as_str() {
            Some("gone") => Ok(Refreshed::Gone(Diagnostic::warning("Gone", "It went."))),
            Some("broken") => Err(refused()),
            _ => Ok(Refreshed::found(state)),
        }
    }

    async fn update(
        &self,
        _: &(),
        _: Thing,
        _: Thing,
        _: Thing,
    ) -> Result<Applied<Thing>, Diagnostics> {
        Err(refused())
    }

    async fn delete(&self, _: &(), _: Thing) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(Vec::new())
    }

    fn validate(&self, _: &Thing) -> Diagnostics {
        self.validations.fetch_add(1, Ordering::SeqCst);
        Diagnostic::warning("Checked", "Once.").into()
    }

    fn plan_destroy(&self, prior: &Thing) -> Vec<Diagnostic> {
        vec![Diagnostic::warning(
            "Kept",
            format!("{} stays.", prior.id.as_str().unwrap_or_default()),
        )]
    }
}

/// A read-only data source: a state type and a read, nothing else.
struct Echo;

#[tonic::async_trait]
impl DataSource<()> for Echo {
    type State = Thing;
    const TYPE_NAME: &'static str = "test_echo";
    const DESCRIPTION: &'static str = "";

    async fn read(&self, _: &(), config: Thing) -> Result<Thing, Diagnostics> {
        Ok(config)
    }
}

#[derive(Default)]
struct TestProvider {
    things: Arc<Things>,
}

#[tonic::async_trait]
impl Provider for TestProvider {
    type Context = ();

    fn address(&self) -> &'static str {
        "registry.terraform.io/test/test"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            description: "",
            attributes: Vec::new(),
        }
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource<()>>> {
        let things: Arc<dyn DynResource<()>> = self.things.clone();
        vec![things]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
        vec![Arc::new(Echo)]
    }

    fn validate(&self, _: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    async fn configure(&self, _: &Value, _: &str) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn stop(&self) {}
}

const THING: &str = "test_thing";

async fn configured() -> (GrpcProvider<TestProvider>, Arc<Things>) {
    let provider = TestProvider::default();
    let things = provider.things.clone();
    let server = GrpcProvider::new(provider);
    let config = dynamic::encode(&Value::object::<&str>([]), &server.ty).unwrap();
    let answer = ProviderRpc::configure_provider(
        &server,
        Request::new(proto::configure_provider::Request {
            config: Some(config),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    (server, things)
}

fn thing(id: &str) -> proto::DynamicValue {
    thing_with_secret(id, Attr::Null)
}

fn thing_with_secret(id: &str, secret: Attr<String>) -> proto::DynamicValue {
    let value = Thing {
        id: Attr::Known(id.to_owned()),
        secret,
    };
    dynamic::encode(&value.to_value(), &Thing::ty()).unwrap()
}

fn null_thing() -> proto::DynamicValue {
    dynamic::encode(&Value::Null, &Thing::ty()).unwrap()
}

fn is_error(diagnostic: &proto::Diagnostic) -> bool {
    diagnostic.severity == proto::diagnostic::Severity::Error as i32
}

fn summaries(diagnostics: &[proto::Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.summary.as_str()).collect()
}

#[tokio::test]
async fn rpcs_not_offered_answer_with_diagnostics_not_a_status() {
    let (server, _) = configured().await;
    let all = [
        server
            .move_resource_state(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .generate_resource_config(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .validate_ephemeral_resource_config(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .open_ephemeral_resource(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .upgrade_resource_identity(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .validate_list_resource_config(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .lock_state(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
        server
            .plan_action(Request::new(Default::default()))
            .await
            .map(|r| r.into_inner().diagnostics),
    ];
    for answer in all {
        let diagnostics = answer.expect("an answer, not a gRPC status");
        assert!(diagnostics.iter().any(is_error), "{diagnostics:?}");
        assert!(diagnostics[0].summary.ends_with(" not supported"));
    }
    let mut events = server
        .list_resource(Request::new(Default::default()))
        .await
        .expect("a stream, not a gRPC status")
        .into_inner();
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(
        summaries(&event.diagnostic),
        ["list resources not supported"]
    );
    assert!(events.next().await.is_none(), "one event, then the end");
    let call = server
        .call_function(Request::new(proto::call_function::Request {
            name: "f".to_owned(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        call.error.map(|e| e.text),
        Some("The partnercenter provider offers no functions.".to_owned())
    );
}

/// Terraform 1.12+ asks every provider for both while loading its schemas, and fails the
/// whole load on an error diagnostic in either answer.
#[tokio::test]
async fn identity_schemas_and_functions_answer_without_errors() {
    let (server, _) = configured().await;
    let identities = server
        .get_resource_identity_schemas(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(identities.diagnostics.is_empty());
    assert!(identities.identity_schemas.is_empty());
    let functions = server
        .get_functions(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(functions.diagnostics.is_empty());
    assert!(functions.functions.is_empty());
}

#[tokio::test]
async fn schemas_and_capabilities_are_announced() {
    let (server, _) = configured().await;
    let schema = ProviderRpc::get_provider_schema(&server, Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
    let attributes = &schema.resource_schemas[THING]
        .block
        .as_ref()
        .unwrap()
        .attributes;
    assert_eq!(attributes[0].name, "id");
    assert!(attributes[0].required);
    assert!(schema.data_source_schemas.contains_key("test_echo"));
    let metadata = ProviderRpc::get_metadata(&server, Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(metadata.server_capabilities.unwrap().plan_destroy);
}

#[tokio::test]
async fn unknown_type_names_give_a_diagnostic() {
    let (server, _) = configured().await;
    let validate = ProviderRpc::validate_resource_config(
        &server,
        Request::new(proto::validate_resource_config::Request {
            type_name: "nope".to_owned(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&validate.diagnostics), ["Unknown resource type"]);
    let read = ProviderRpc::read_data_source(
        &server,
        Request::new(proto::read_data_source::Request {
            type_name: "nope".to_owned(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&read.diagnostics), ["Unknown data source type"]);
    let apply = ProviderRpc::apply_resource_change(
        &server,
        Request::new(proto::apply_resource_change::Request {
            type_name: "nope".to_owned(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&apply.diagnostics), ["Unknown resource type"]);
}

#[tokio::test]
async fn validate_calls_the_handler_once() {
    let (server, things) = configured().await;
    let answer = ProviderRpc::validate_resource_config(
        &server,
        Request::new(proto::validate_resource_config::Request {
            type_name: THING.to_owned(),
            config: Some(thing("a")),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&answer.diagnostics), ["Checked"]);
    assert_eq!(things.validations.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_read_only_data_source_needs_no_validate() {
    let (server, _) = configured().await;
    let validate = ProviderRpc::validate_data_resource_config(
        &server,
        Request::new(proto::validate_data_resource_config::Request {
            type_name: "test_echo".to_owned(),
            config: Some(thing("a")),
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert!(validate.diagnostics.is_empty());
    let read = ProviderRpc::read_data_source(
        &server,
        Request::new(proto::read_data_source::Request {
            type_name: "test_echo".to_owned(),
            config: Some(thing("a")),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(read.state, Some(thing("a")));
}

#[tokio::test]
async fn a_destroy_is_planned_with_its_warnings() {
    let (server, _) = configured().await;
    let plan = ProviderRpc::plan_resource_change(
        &server,
        Request::new(proto::plan_resource_change::Request {
            type_name: THING.to_owned(),
            prior_state: Some(thing("a")),
            proposed_new_state: Some(null_thing()),
            config: Some(null_thing()),
            prior_private: b"private".to_vec(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&plan.diagnostics), ["Kept"]);
    assert_eq!(plan.diagnostics[0].detail, "a stays.");
    assert!(!plan.diagnostics.iter().any(is_error));
    assert_eq!(plan.planned_state, Some(null_thing()));
    assert_eq!(plan.planned_private, b"private");
}

#[tokio::test]
async fn a_failed_apply_keeps_the_prior_state_and_private() {
    let (server, _) = configured().await;
    let update = ProviderRpc::apply_resource_change(
        &server,
        Request::new(proto::apply_resource_change::Request {
            type_name: THING.to_owned(),
            prior_state: Some(thing("a")),
            planned_state: Some(thing("b")),
            config: Some(thing("b")),
            planned_private: b"private".to_vec(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&update.diagnostics), ["Refused"]);
    assert_eq!(update.new_state, Some(thing("a")));
    assert_eq!(update.private, b"private");

    let create = ProviderRpc::apply_resource_change(
        &server,
        Request::new(proto::apply_resource_change::Request {
            type_name: THING.to_owned(),
            prior_state: None,
            planned_state: Some(thing("b")),
            config: Some(thing("b")),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&create.diagnostics), ["Refused"]);
    assert_eq!(create.new_state, None, "a failed create leaves nothing");
}

#[tokio::test]
async fn a_gone_object_reads_as_null_with_the_warning() {
    let (server, _) = configured().await;
    let read = |id: &str| {
        ProviderRpc::read_resource(
            &server,
            Request::new(proto::read_resource::Request {
                type_name: THING.to_owned(),
                current_state: Some(thing(id)),
                private: b"private".to_vec(),
                ..Default::default()
            }),
        )
    };
    let gone = read("gone").await.unwrap().into_inner();
    let new_state = dynamic::decode(gone.new_state.as_ref(), &Thing::ty());
    assert_eq!(new_state.unwrap(), Value::Null);
    assert_eq!(summaries(&gone.diagnostics), ["Gone"]);
    assert!(!gone.diagnostics.iter().any(is_error));

    let found = read("here").await.unwrap().into_inner();
    assert_eq!(found.new_state, Some(thing("here")));
    assert!(found.diagnostics.is_empty());
    assert_eq!(found.private, b"private");

    // A failed read keeps the state and private data Terraform has.
    let broken = read("broken").await.unwrap().into_inner();
    assert_eq!(summaries(&broken.diagnostics), ["Refused"]);
    assert_eq!(broken.new_state, Some(thing("broken")));
    assert_eq!(broken.private, b"private");
}

#[tokio::test]
async fn import_is_refused_unless_offered() {
    let (server, _) = configured().await;
    let import = ProviderRpc::import_resource_state(
        &server,
        Request::new(proto::import_resource_state::Request {
            type_name: THING.to_owned(),
            id: "a".to_owned(),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&import.diagnostics), ["Import not supported"]);
    assert!(import.imported_resources.is_empty());
}

/// Terraform before 1.11 sends no client capabilities and would store a write-only value, so
/// one in the configuration is refused; a Terraform that can keep it out of the state gets on.
#[tokio::test]
async fn write_only_values_need_a_terraform_that_keeps_them_out_of_state() {
    let (server, _) = configured().await;
    let validate = |secret: Attr<String>, allowed: Option<bool>| {
        ProviderRpc::validate_resource_config(
            &server,
            Request::new(proto::validate_resource_config::Request {
                type_name: THING.to_owned(),
                config: Some(thing_with_secret("a", secret)),
                client_capabilities: allowed.map(|allowed| proto::ClientCapabilities {
                    write_only_attributes_allowed: allowed,
                    ..Default::default()
                }),
            }),
        )
    };
    let secret = || Attr::Known("s3cr3t".to_owned());
    for (value, capabilities) in [
        (secret(), None),
        (secret(), Some(false)),
        (Attr::Unknown, None),
    ] {
        let answer = validate(value, capabilities).await.unwrap().into_inner();
        let refused: Vec<_> = answer.diagnostics.iter().filter(|d| is_error(d)).collect();
        assert_eq!(refused.len(), 1, "{:?}", answer.diagnostics);
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
    let allowed = validate(secret(), Some(true)).await.unwrap().into_inner();
    assert_eq!(summaries(&allowed.diagnostics), ["Checked"]);
    let unset = validate(Attr::Null, None).await.unwrap().into_inner();
    assert_eq!(summaries(&unset.diagnostics), ["Checked"]);
}

/// Whatever a resource returns, a write-only attribute reaches Terraform as null.
#[tokio::test]
async fn write_only_values_never_leave_the_provider() {
    let (server, _) = configured().await;
    let read = ProviderRpc::read_resource(
        &server,
        Request::new(proto::read_resource::Request {
            type_name: THING.to_owned(),
            current_state: Some(thing_with_secret("here", Attr::Known("s3cr3t".to_owned()))),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(read.new_state, Some(thing("here")));
    let plan = ProviderRpc::plan_resource_change(
        &server,
        Request::new(proto::plan_resource_change::Request {
            type_name: THING.to_owned(),
            proposed_new_state: Some(thing_with_secret("a", Attr::Known("s3cr3t".to_owned()))),
            config: Some(thing_with_secret("a", Attr::Known("s3cr3t".to_owned()))),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(plan.planned_state, Some(thing("a")));
}

/// Found by a protocol fuzzer: a failed read echoed whatever Terraform sent, a partial object
/// or bytes that are no value at all, beside the error.
#[tokio::test]
async fn a_failed_read_answers_the_prior_state_or_nothing() {
    async fn read(
        server: &GrpcProvider<TestProvider>,
        type_name: &str,
        msgpack: &[u8],
    ) -> proto::read_resource::Response {
        let request = proto::read_resource::Request {
            type_name: type_name.to_owned(),
            current_state: Some(proto::DynamicValue {
                msgpack: msgpack.to_vec(),
                json: Vec::new(),
            }),
            ..Default::default()
        };
        ProviderRpc::read_resource(server, Request::new(request))
            .await
            .unwrap()
            .into_inner()
    }
    let unconfigured = GrpcProvider::new(TestProvider::default());
    // `{}`: the object without its id. The read fails (nothing is configured), and the prior
    // state comes back whole.
    let partial = read(&unconfigured, THING, &[0x80]).await;
    assert_eq!(summaries(&partial.diagnostics), ["Provider not configured"]);
    let prior = Thing {
        id: Attr::Null,
        secret: Attr::Null,
    };
    assert_eq!(
        partial.new_state,
        Some(dynamic::encode(&prior.to_value(), &Thing::ty()).unwrap())
    );

    let (server, _) = configured().await;
    // `{"id": <0xc1>}`, and a type this provider does not have: nothing to answer with.
    let unreadable = read(&server, THING, &[0x81, 0xa2, b'i', b'd', 0xc1]).await;
    assert!(unreadable.diagnostics.iter().any(is_error));
    assert_eq!(unreadable.new_state, None);
    let unknown_type = read(&server, "test_other", &thing("a").msgpack).await;
    assert_eq!(
        summaries(&unknown_type.diagnostics),
        ["Unknown resource type"]
    );
    assert_eq!(unknown_type.new_state, None);
}
