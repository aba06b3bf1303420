//! The tfplugin6 service driven in process, as Terraform drives it, over the provider in
//! [`fixtures`]: one file per group of RPCs, as the service itself is laid out. Every call
//! goes through [`call`], and the calls the files share are helpers named after what they ask.

mod data_sources;
mod fixtures;
mod identity;
mod list_resources;
mod not_offered;
mod provider;
mod resources;

use std::future::Future;

use tonic::Request;

use super::{GrpcProvider, RpcResult};
use crate::framework::{Attr, AttrValue, Object};
use crate::protocol::tfplugin6 as proto;
use crate::protocol::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::protocol::{Value, dynamic};
use fixtures::{KEYED, Key, Keyed, THING, TestProvider, Thing};

type Server = GrpcProvider<TestProvider>;

/// Asks `rpc` of `server` as Terraform does: the answer is never a gRPC status.
async fn call<'a, Q, A, F>(
    server: &'a Server,
    rpc: impl FnOnce(&'a Server, Request<Q>) -> F,
    request: Q,
) -> A
where
    F: Future<Output = RpcResult<A>>,
{
    rpc(server, Request::new(request))
        .await
        .expect("an answer, not a gRPC status")
        .into_inner()
}

/// A server whose provider is configured, as Terraform has it before it asks about resources.
async fn configured() -> Server {
    let server = GrpcProvider::new(TestProvider::default());
    let config = dynamic::encode(&Value::object::<&str>([]), &server.ty).unwrap();
    let request = proto::configure_provider::Request {
        config: Some(config),
        ..Default::default()
    };
    let answer = call(&server, ProviderRpc::configure_provider, request).await;
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    server
}

/// What the provider announces while Terraform loads it: its schemas and its metadata.
async fn announced(
    server: &Server,
) -> (
    proto::get_provider_schema::Response,
    proto::get_metadata::Response,
) {
    let schema = call(server, ProviderRpc::get_provider_schema, Default::default()).await;
    let metadata = call(server, ProviderRpc::get_metadata, Default::default()).await;
    (schema, metadata)
}

// ---- the resource RPCs, as the test files ask them ----

/// Validates a resource configuration. `write_only_allowed` is the client capability; `None`
/// is a Terraform that sends no capabilities (before 1.11).
async fn validate(
    server: &Server,
    type_name: &str,
    config: proto::DynamicValue,
    write_only_allowed: Option<bool>,
) -> Vec<proto::Diagnostic> {
    let request = proto::validate_resource_config::Request {
        type_name: type_name.to_owned(),
        config: Some(config),
        client_capabilities: write_only_allowed.map(|allowed| proto::ClientCapabilities {
            write_only_attributes_allowed: allowed,
            ..Default::default()
        }),
    };
    call(server, ProviderRpc::validate_resource_config, request)
        .await
        .diagnostics
}

/// Refreshes `state`, whose identity Terraform has as `identity` (and private data as
/// [`PRIVATE`]).
async fn read(
    server: &Server,
    type_name: &str,
    state: proto::DynamicValue,
    identity: Option<proto::ResourceIdentityData>,
) -> proto::read_resource::Response {
    let request = proto::read_resource::Request {
        type_name: type_name.to_owned(),
        current_state: Some(state),
        current_identity: identity,
        private: PRIVATE.to_vec(),
        ..Default::default()
    };
    call(server, ProviderRpc::read_resource, request).await
}

/// Plans the change from `prior` (`None` for a create) to the configuration `proposed`.
async fn plan(
    server: &Server,
    type_name: &str,
    prior: Option<proto::DynamicValue>,
    proposed: proto::DynamicValue,
) -> proto::plan_resource_change::Response {
    let request = proto::plan_resource_change::Request {
        type_name: type_name.to_owned(),
        prior_state: prior,
        config: Some(proposed.clone()),
        proposed_new_state: Some(proposed),
        prior_private: PRIVATE.to_vec(),
        ..Default::default()
    };
    call(server, ProviderRpc::plan_resource_change, request).await
}

/// Applies the change from `prior` (`None` for a create) to `planned`.
async fn apply(
    server: &Server,
    type_name: &str,
    prior: Option<proto::DynamicValue>,
    planned: proto::DynamicValue,
) -> proto::apply_resource_change::Response {
    let request = proto::apply_resource_change::Request {
        type_name: type_name.to_owned(),
        prior_state: prior,
        config: Some(planned.clone()),
        planned_state: Some(planned),
        planned_private: PRIVATE.to_vec(),
        ..Default::default()
    };
    call(server, ProviderRpc::apply_resource_change, request).await
}

/// Imports by `terraform import` id, or by the identity of an `import` block.
async fn import(
    server: &Server,
    type_name: &str,
    id: &str,
    identity: Option<proto::ResourceIdentityData>,
) -> proto::import_resource_state::Response {
    let request = proto::import_resource_state::Request {
        type_name: type_name.to_owned(),
        id: id.to_owned(),
        identity,
        ..Default::default()
    };
    call(server, ProviderRpc::import_resource_state, request).await
}

/// The private data Terraform keeps beside every state these tests send.
const PRIVATE: &[u8] = b"private";

// ---- values on the wire ----

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

fn is_error(diagnostic: &proto::Diagnostic) -> bool {
    diagnostic.severity == proto::diagnostic::Severity::Error as i32
}

fn summaries(diagnostics: &[proto::Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.summary.as_str()).collect()
}
