use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use tonic::Request;

use super::*;
use crate::framework::{
    Applied, Attr, AttrValue, DataSource, Identity, ListRequest, ListResource, ListStream, Listed,
    Object, PlanRequest, Planned, Refreshed, Resource,
};
use crate::protocol::{AttributePath, Value, dynamic};

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

crate::object! {
    #[names(KeyedNames)]
    struct Keyed {
        id: String => Required(""),
        size: i64 => Optional(""),
    }
}

crate::object! {
    #[names(KeyNames)]
    struct Key {
        id: String => Required("The id, in lower case."),
    }
}

/// A resource with an identity (its lower-case id). Create fails for the id "refused", update
/// for size 13; read answers "gone" as gone and fails for "broken".
struct Keys;

#[tonic::async_trait]
impl Resource<()> for Keys {
    type State = Keyed;
    const TYPE_NAME: &'static str = "test_keyed";
    const DESCRIPTION: &'static str = "";

    async fn create(
        &self,
        _: &(),
        planned: Keyed,
        _: Keyed,
    ) -> Result<Applied<Keyed>, Diagnostics> {
        match planned.id.as_str() {
            Some("refused") => Err(refused()),
            _ => Ok(Applied::new(planned)),
        }
    }

    async fn read(&self, _: &(), state: Keyed) -> Result<Refreshed<Keyed>, Diagnostics> {
        match state.id.as_str() {
            Some("gone") => Ok(Refreshed::Gone(Diagnostic::warning("Gone", "It went."))),
            Some("broken") => Err(refused()),
            _ => Ok(Refreshed::found(state)),
        }
    }

    async fn update(
        &self,
        _: &(),
        _: Keyed,
        planned: Keyed,
        _: Keyed,
    ) -> Result<Applied<Keyed>, Diagnostics> {
        match planned.size.known() {
            Some(13) => Err(refused()),
            _ => Ok(Applied::new(planned)),
        }
    }

    async fn delete(&self, _: &(), _: Keyed) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(Vec::new())
    }

    /// Another known id replaces the object; an id not known yet does not.
    fn modify_plan(
        &self,
        _: &(),
        request: PlanRequest<Keyed>,
    ) -> Result<Planned<Keyed>, Diagnostics> {
        let replaced = request.prior.as_ref().is_some_and(|prior| {
            matches!((prior.id.known(), request.proposed.id.known()), (Some(a), Some(b)) if a != b)
        });
        let mut planned = Planned::unchanged(request.proposed);
        if replaced {
            planned.requires_replace = vec![AttributePath::root().attr("id")];
        }
        Ok(planned)
    }

    fn import(&self, id: &str) -> Result<Keyed, Diagnostics> {
        Ok(Keyed {
            id: Attr::Known(id.to_owned()),
            size: Attr::Null,
        })
    }

    fn identity() -> Option<Identity<Keyed>> {
        Some(Identity::new(
            0,
            |keyed: &Keyed| Key {
                id: keyed.id.clone().map(|id| id.to_lowercase()),
            },
            |key: Key| {
                Ok(Keyed {
                    id: key.id,
                    size: Attr::Null,
                })
            },
        ))
    }
}

crate::object! {
    #[names(PrefixNames)]
    struct Prefix {
        prefix: String => Optional(""),
    }
}

/// Lists the keys "A1", "a2", "b1", then an error, then "a3", counting what it produced.
#[derive(Default)]
struct KeyList {
    produced: Arc<AtomicUsize>,
}

impl ListResource<()> for KeyList {
    type Resource = Keys;
    type Config = Prefix;
    const DESCRIPTION: &'static str = "";

    fn validate(&self, config: &Prefix) -> Diagnostics {
        match config.prefix.as_str() {
            Some("bad") => Diagnostic::error("Bad prefix", "No.").into(),
            _ => Diagnostics::default(),
        }
    }

    fn list(&self, _: Arc<()>, request: ListRequest<Prefix>) -> ListStream<Keyed> {
        let prefix = request
            .config
            .prefix
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let produced = Arc::clone(&self.produced);
        let items = ["A1", "a2", "b1", "boom", "a3"]
            .into_iter()
            .filter_map(move |id| {
                if !id.to_lowercase().starts_with(&prefix) && id != "boom" {
                    return None;
                }
                produced.fetch_add(1, Ordering::SeqCst);
                Some(match id {
                    "boom" => Err(refused()),
                    id => Ok(Listed {
                        display_name: format!("Key {id}"),
                        state: Keyed {
                            id: Attr::Known(id.to_owned()),
                            size: Attr::Known(1),
                        },
                    }),
                })
            });
        Box::pin(futures_util::stream::iter(items))
    }
}

crate::object! {
    #[names(SettingsNames)]
    struct Settings {
        greeting: String => Optional(""),
    }
}

#[derive(Default)]
struct TestProvider {
    things: Arc<Things>,
    keys: Arc<KeyList>,
}

#[tonic::async_trait]
impl Provider for TestProvider {
    type Context = ();
    type Config = Settings;
    const DESCRIPTION: &'static str = "";

    fn address(&self) -> &'static str {
        "registry.terraform.io/test/test"
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource<()>>> {
        let things: Arc<dyn DynResource<()>> = self.things.clone();
        vec![things, Arc::new(Keys)]
    }

    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<()>>> {
        let keys: Arc<dyn DynListResource<()>> = self.keys.clone();
        vec![keys]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
        vec![Arc::new(Echo)]
    }

    async fn configure(&self, _: Settings, _: &str) -> Result<(), Diagnostics> {
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
        .read_state_bytes(Request::new(Default::default()))
        .await
        .expect("a stream, not a gRPC status")
        .into_inner();
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(
        summaries(&event.diagnostics),
        ["state stores not supported"]
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
    // Only the resource that has an identity has an identity schema.
    assert_eq!(
        identities.identity_schemas.keys().collect::<Vec<_>>(),
        ["test_keyed"]
    );
    let key = &identities.identity_schemas["test_keyed"];
    assert_eq!(key.version, 0);
    assert_eq!(key.identity_attributes[0].name, "id");
    assert!(key.identity_attributes[0].required_for_import);
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

const KEYED: &str = "test_keyed";

fn keyed(id: Attr<String>, size: Attr<i64>) -> proto::DynamicValue {
    dynamic::encode(&Keyed { id, size }.to_value(), &Keyed::ty()).unwrap()
}

fn key(id: &str) -> proto::DynamicValue {
    keyed(Attr::Known(id.to_owned()), Attr::Known(1))
}

fn null_keyed() -> proto::DynamicValue {
    dynamic::encode(&Value::Null, &Keyed::ty()).unwrap()
}

fn identity_data(id: Attr<String>) -> proto::ResourceIdentityData {
    proto::ResourceIdentityData {
        identity_data: Some(dynamic::encode(&Key { id }.to_value(), &Key::ty()).unwrap()),
    }
}

fn identity(id: &str) -> Option<proto::ResourceIdentityData> {
    Some(identity_data(Attr::Known(id.to_owned())))
}

/// The id an identity answer carries (unknown when it is not known).
fn identity_id(data: Option<proto::ResourceIdentityData>) -> Option<Attr<String>> {
    let data = data?.identity_data?;
    let value = dynamic::decode(Some(&data), &Key::ty()).unwrap();
    Some(Key::from_value(&value).unwrap().id)
}

fn known(id: &str) -> Option<Attr<String>> {
    Some(Attr::Known(id.to_owned()))
}

/// Terraform before 1.12 and OpenTofu send no identity; the answer carries one anyway, taken
/// from the state, and a failed read keeps whatever Terraform had.
#[tokio::test]
async fn reads_answer_with_the_identity_of_the_state() {
    let (server, _) = configured().await;
    let read = |id: &str, current_identity| {
        ProviderRpc::read_resource(
            &server,
            Request::new(proto::read_resource::Request {
                type_name: KEYED.to_owned(),
                current_state: Some(key(id)),
                current_identity,
                ..Default::default()
            }),
        )
    };
    let found = read("A", None).await.unwrap().into_inner();
    assert!(found.diagnostics.is_empty(), "{:?}", found.diagnostics);
    assert_eq!(identity_id(found.new_identity), known("a"));
    let found = read("A", identity("a")).await.unwrap().into_inner();
    assert_eq!(identity_id(found.new_identity), known("a"));
    let gone = read("gone", identity("gone")).await.unwrap().into_inner();
    assert_eq!(gone.new_identity, None, "a removed object has no identity");
    let broken = read("broken", identity("broken"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&broken.diagnostics), ["Refused"]);
    assert_eq!(broken.new_identity, identity("broken"));
    // A resource without identity answers none.
    let thing = ProviderRpc::read_resource(
        &server,
        Request::new(proto::read_resource::Request {
            type_name: THING.to_owned(),
            current_state: Some(thing("a")),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(thing.new_identity, None);
}

#[tokio::test]
async fn plans_name_the_planned_identity() {
    let (server, _) = configured().await;
    let plan = |prior: Option<proto::DynamicValue>, proposed: proto::DynamicValue| {
        ProviderRpc::plan_resource_change(
            &server,
            Request::new(proto::plan_resource_change::Request {
                type_name: KEYED.to_owned(),
                prior_state: prior,
                config: Some(proposed.clone()),
                proposed_new_state: Some(proposed),
                ..Default::default()
            }),
        )
    };
    let unknown = keyed(Attr::Unknown, Attr::Known(1));
    // A create may plan an identity that is not known yet.
    let create = plan(None, unknown.clone()).await.unwrap().into_inner();
    assert!(create.diagnostics.is_empty(), "{:?}", create.diagnostics);
    assert_eq!(identity_id(create.planned_identity), Some(Attr::Unknown));
    let update = plan(
        Some(key("A")),
        keyed(Attr::Known("A".to_owned()), Attr::Known(2)),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(identity_id(update.planned_identity), known("a"));
    // An in-place update must plan a known identity: the prior one.
    let in_place = plan(Some(key("A")), unknown).await.unwrap().into_inner();
    assert!(in_place.requires_replace.is_empty());
    assert_eq!(identity_id(in_place.planned_identity), known("a"));
    let replace = plan(Some(key("A")), key("B")).await.unwrap().into_inner();
    assert_eq!(replace.requires_replace.len(), 1);
    assert_eq!(identity_id(replace.planned_identity), known("b"));
    let destroy = plan(Some(key("A")), null_keyed())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(destroy.planned_identity, None);
}

#[tokio::test]
async fn applies_answer_with_the_new_identity_or_keep_the_prior_one() {
    let (server, _) = configured().await;
    let apply = |prior: Option<proto::DynamicValue>, planned: proto::DynamicValue| {
        ProviderRpc::apply_resource_change(
            &server,
            Request::new(proto::apply_resource_change::Request {
                type_name: KEYED.to_owned(),
                prior_state: prior,
                config: Some(planned.clone()),
                planned_state: Some(planned),
                ..Default::default()
            }),
        )
    };
    let created = apply(None, key("New")).await.unwrap().into_inner();
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    assert_eq!(identity_id(created.new_identity), known("new"));
    let refused = apply(None, key("refused")).await.unwrap().into_inner();
    assert_eq!(refused.new_identity, None, "a failed create leaves nothing");
    let failed = apply(
        Some(key("A")),
        keyed(Attr::Known("A".to_owned()), Attr::Known(13)),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(summaries(&failed.diagnostics), ["Refused"]);
    assert_eq!(identity_id(failed.new_identity), known("a"));
    let deleted = apply(Some(key("A")), null_keyed())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.new_identity, None);
}

#[tokio::test]
async fn imports_take_an_identity_or_an_id_and_answer_the_identity() {
    let (server, _) = configured().await;
    let import = |id: &str, identity| {
        ProviderRpc::import_resource_state(
            &server,
            Request::new(proto::import_resource_state::Request {
                type_name: KEYED.to_owned(),
                id: id.to_owned(),
                identity,
                ..Default::default()
            }),
        )
    };
    let by_identity = import("", identity("X")).await.unwrap().into_inner();
    assert!(
        by_identity.diagnostics.is_empty(),
        "{:?}",
        by_identity.diagnostics
    );
    let imported = by_identity.imported_resources.into_iter().next().unwrap();
    let state = dynamic::decode(imported.state.as_ref(), &Keyed::ty()).unwrap();
    assert_eq!(state.attr("id"), Some(&Value::string("X")));
    assert_eq!(identity_id(imported.identity), known("x"));
    let by_id = import("Y", None).await.unwrap().into_inner();
    let imported = by_id.imported_resources.into_iter().next().unwrap();
    assert_eq!(identity_id(imported.identity), known("y"));
    let unknown = import("", Some(identity_data(Attr::Unknown)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&unknown.diagnostics), ["Invalid import identity"]);
}

#[tokio::test]
async fn stored_identities_of_the_current_version_upgrade() {
    let (server, _) = configured().await;
    let upgrade = |type_name: &str, version| {
        ProviderRpc::upgrade_resource_identity(
            &server,
            Request::new(proto::upgrade_resource_identity::Request {
                type_name: type_name.to_owned(),
                version,
                raw_identity: Some(proto::RawState {
                    json: br#"{"id":"a"}"#.to_vec(),
                    ..Default::default()
                }),
            }),
        )
    };
    let upgraded = upgrade(KEYED, 0).await.unwrap().into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    assert_eq!(identity_id(upgraded.upgraded_identity), known("a"));
    let newer = upgrade(KEYED, 1).await.unwrap().into_inner();
    assert_eq!(
        summaries(&newer.diagnostics),
        ["Unsupported identity version"]
    );
    let none = upgrade(THING, 0).await.unwrap().into_inner();
    assert_eq!(summaries(&none.diagnostics), ["Resource has no identity"]);
}

#[tokio::test]
async fn list_resources_are_announced_and_validated() {
    let (server, _) = configured().await;
    let schema = ProviderRpc::get_provider_schema(&server, Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    let list = schema.list_resource_schemas[KEYED].block.as_ref().unwrap();
    assert_eq!(list.attributes[0].name, "prefix");
    let metadata = ProviderRpc::get_metadata(&server, Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.list_resources[0].type_name, KEYED);
    let validate = |config: Value| {
        ProviderRpc::validate_list_resource_config(
            &server,
            Request::new(proto::validate_list_resource_config::Request {
                type_name: KEYED.to_owned(),
                config: Some(dynamic::encode(&config, &Prefix::ty()).unwrap()),
                ..Default::default()
            }),
        )
    };
    let bad = validate(Value::object([("prefix", Value::string("bad"))]));
    assert_eq!(
        summaries(&bad.await.unwrap().into_inner().diagnostics),
        ["Bad prefix"]
    );
    // No config block: every attribute is null.
    let none = validate(Value::Null).await.unwrap().into_inner();
    assert!(none.diagnostics.is_empty(), "{:?}", none.diagnostics);
}

/// Every event of a `ListResource` stream.
async fn list(
    server: &GrpcProvider<TestProvider>,
    type_name: &str,
    prefix: &str,
    include_resource_object: bool,
    limit: i64,
) -> Vec<proto::list_resource::Event> {
    let config = Value::object([("prefix", Value::string(prefix))]);
    let events = ProviderRpc::list_resource(
        server,
        Request::new(proto::list_resource::Request {
            type_name: type_name.to_owned(),
            config: Some(dynamic::encode(&config, &Prefix::ty()).unwrap()),
            include_resource_object,
            limit,
        }),
    )
    .await
    .expect("a stream, not a gRPC status")
    .into_inner();
    events.map(|event| event.expect("an event")).collect().await
}

#[tokio::test]
async fn listings_stream_identities_up_to_the_limit() {
    let (server, _) = configured().await;
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
    let (server, _) = configured().await;
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
