//! The tfplugin6 `Provider` gRPC service, as a thin adapter over the framework traits.
//!
//! The trait impl below only routes: each RPC runs inside a tracing span carrying the fields
//! Go providers log (`tf_rpc`, `tf_resource_type`, `tf_req_id`, `tf_provider_addr`) and ends
//! with one "Served request" line with its duration. The work sits in one file per concern:
//! [`provider`] (metadata, schema, configuration), [`resources`] (managed resources),
//! [`identity`] (resource identity schemas and upgrades), [`data_sources`], [`list_resources`]
//! (`terraform query`), and [`not_offered`] (the RPCs of features this provider has none of).
//!
//! No RPC panics or answers with a bare transport error: every failure becomes diagnostics in
//! the response.

mod data_sources;
mod identity;
mod list_resources;
mod not_offered;
mod provider;
mod resources;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use futures_util::Stream;
use tokio::time::Instant;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument as _;

use super::Provider;
use super::erased::{DynDataSource, DynListResource, DynResource};
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::protocol::{Diagnostic, Diagnostics, IdentitySchema, Schema, Type, Value, dynamic};

type RpcResult<T> = Result<Response<T>, Status>;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A registered type with its schema and value type computed once.
struct Registered<T: ?Sized> {
    handler: Arc<T>,
    schema: Schema,
    ty: Type,
    /// A managed resource's identity schema and the value type of its identities.
    identity: Option<(IdentitySchema, Type)>,
}

impl<T: ?Sized> Registered<T> {
    fn new(handler: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Self {
            handler,
            schema,
            ty,
            identity: None,
        }
    }

    fn with_identity(self, identity: Option<IdentitySchema>) -> Self {
        Self {
            identity: identity.map(|schema| {
                let ty = schema.value_type();
                (schema, ty)
            }),
            ..self
        }
    }

    /// Decodes a value of this type that Terraform sent.
    fn decode(&self, value: Option<&proto::DynamicValue>) -> Result<Value, Diagnostic> {
        dynamic::decode(value, &self.ty)
    }

    /// Encodes a value of this type for Terraform; write-only attributes always go back null.
    fn encode(&self, value: Value) -> Result<proto::DynamicValue, Diagnostic> {
        dynamic::encode(&self.schema.without_write_only(value), &self.ty)
    }
}

/// A registered managed resource type.
type ResourceType<C> = Registered<dyn DynResource<C>>;

/// Serves a [`Provider`] over tfplugin6.
pub struct GrpcProvider<P: Provider> {
    provider: P,
    schema: Schema,
    ty: Type,
    resources: HashMap<&'static str, ResourceType<P::Context>>,
    data_sources: HashMap<&'static str, Registered<dyn DynDataSource<P::Context>>>,
    list_resources: HashMap<&'static str, Registered<dyn DynListResource<P::Context>>>,
    context: RwLock<Option<Arc<P::Context>>>,
}

impl<P: Provider> std::fmt::Debug for GrpcProvider<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcProvider")
            .field("address", &self.provider.address())
            .finish_non_exhaustive()
    }
}

impl<P: Provider> GrpcProvider<P> {
    pub fn new(provider: P) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let registered = Registered::new(r.clone(), r.schema());
                (r.type_name(), registered.with_identity(r.identity_schema()))
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), Registered::new(d.clone(), d.schema())))
            .collect();
        let list_resources = provider
            .list_resources()
            .into_iter()
            .map(|l| (l.type_name(), Registered::new(l.clone(), l.schema())))
            .collect();
        let schema = provider.schema();
        let ty = schema.value_type();
        Self {
            provider,
            schema,
            ty,
            resources,
            data_sources,
            list_resources,
            context: RwLock::new(None),
        }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceType<P::Context>, Diagnostic> {
        registered(&self.resources, "resource", type_name)
    }

    fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn DynDataSource<P::Context>>, Diagnostic> {
        registered(&self.data_sources, "data source", type_name)
    }

    fn list_type(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn DynListResource<P::Context>>, Diagnostic> {
        registered(&self.list_resources, "list resource", type_name)
    }

    /// The provider's name as users write it in `provider "<name>" {}`: the last part of its
    /// address.
    fn name(&self) -> &'static str {
        let address = self.provider.address();
        address.rsplit('/').next().unwrap_or(address)
    }

    fn context(&self) -> Result<Arc<P::Context>, Diagnostic> {
        let guard = self
            .context
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it. This is a bug in the \
                 provider or in Terraform; please report it with the Terraform version.",
            )
        })
    }

    /// Runs one RPC's `answer` inside its span and logs that it was served, and how long it
    /// took.
    async fn traced<T>(
        &self,
        rpc: &'static str,
        type_name: &str,
        answer: impl Future<Output = T>,
    ) -> RpcResult<T> {
        // At ERROR so that the span, and with it these fields on every line logged while the
        // RPC runs, exists at any log level: span levels only decide whether a span is kept.
        let span = tracing::error_span!(
            "rpc",
            tf_rpc = rpc,
            tf_resource_type = %crate::quote::excerpt(type_name, crate::quote::QUOTED_CHARS),
            tf_req_id = %uuid::Uuid::new_v4(),
            tf_provider_addr = self.provider.address(),
        );
        async {
            let started = Instant::now();
            let answer = answer.await;
            let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            tracing::debug!(tf_req_duration_ms = millis, "Served request");
            Ok(Response::new(answer))
        }
        .instrument(span)
        .await
    }
}

/// The type registered as `type_name`, or the error naming the kind of type asked for.
fn registered<'a, T: ?Sized>(
    types: &'a HashMap<&'static str, Registered<T>>,
    kind: &str,
    type_name: &str,
) -> Result<&'a Registered<T>, Diagnostic> {
    types.get(type_name).ok_or_else(|| {
        Diagnostic::error(
            format!("Unknown {kind} type"),
            format!(
                "This provider has no {kind} type named {}.",
                crate::quote::quote(type_name)
            ),
        )
    })
}

/// The diagnostics of a configuration of the type `registered` (or why there is none): those
/// `validate` finds in it, or why it could not be decoded.
fn validated<T: ?Sized>(
    registered: Result<&Registered<T>, Diagnostic>,
    config: Option<&proto::DynamicValue>,
    validate: impl FnOnce(&Registered<T>, &Value) -> Diagnostics,
) -> Vec<proto::Diagnostic> {
    let decoded = registered.and_then(|r| Ok((r, r.decode(config)?)));
    to_proto(decoded.map_or_else(Diagnostics::from, |(r, config)| validate(r, &config)))
}

/// The answer itself, or the one `on_error` builds around the diagnostics of a failure, so
/// that no failure reaches Terraform as a bare gRPC status.
fn or_diagnostics<T>(
    result: Result<T, Diagnostics>,
    on_error: impl FnOnce(Vec<proto::Diagnostic>) -> T,
) -> T {
    result.unwrap_or_else(|diagnostics| on_error(to_proto(diagnostics)))
}

/// A request: the RPC it comes with, as logged, and the type it asks about ("" for the
/// provider-level RPCs and for those of features this provider does not offer).
trait Asked {
    const RPC: &'static str;

    fn type_name(&self) -> &str {
        ""
    }
}

macro_rules! asked {
    (
        typed: [$($typed:ident => $typed_rpc:literal),* $(,)?],
        untyped: [$($untyped:ty => $untyped_rpc:literal),* $(,)?] $(,)?
    ) => {
        $(impl Asked for proto::$typed::Request {
            const RPC: &'static str = $typed_rpc;

            fn type_name(&self) -> &str {
                &self.type_name
            }
        })*
        $(impl Asked for $untyped {
            const RPC: &'static str = $untyped_rpc;
        })*
    };
}

asked!(
    typed: [
        upgrade_resource_identity => "UpgradeResourceIdentity",
        validate_resource_config => "ValidateResourceConfig",
        upgrade_resource_state => "UpgradeResourceState",
        read_resource => "ReadResource",
        plan_resource_change => "PlanResourceChange",
        apply_resource_change => "ApplyResourceChange",
        import_resource_state => "ImportResourceState",
        validate_data_resource_config => "ValidateDataResourceConfig",
        read_data_source => "ReadDataSource",
        validate_list_resource_config => "ValidateListResourceConfig",
        list_resource => "ListResource",
    ],
    untyped: [
        proto::get_metadata::Request => "GetMetadata",
        proto::get_provider_schema::Request => "GetProviderSchema",
        proto::validate_provider_config::Request => "ValidateProviderConfig",
        proto::configure_provider::Request => "ConfigureProvider",
        proto::stop_provider::Request => "StopProvider",
        proto::get_resource_identity_schemas::Request => "GetResourceIdentitySchemas",
        proto::get_functions::Request => "GetFunctions",
        proto::move_resource_state::Request => "MoveResourceState",
        proto::generate_resource_config::Request => "GenerateResourceConfig",
        proto::validate_ephemeral_resource_config::Request => "ValidateEphemeralResourceConfig",
        proto::open_ephemeral_resource::Request => "OpenEphemeralResource",
        proto::renew_ephemeral_resource::Request => "RenewEphemeralResource",
        proto::close_ephemeral_resource::Request => "CloseEphemeralResource",
        proto::validate_state_store::Request => "ValidateStateStoreConfig",
        proto::configure_state_store::Request => "ConfigureStateStore",
        proto::lock_state::Request => "LockState",
        proto::unlock_state::Request => "UnlockState",
        proto::get_states::Request => "GetStates",
        proto::delete_state::Request => "DeleteState",
        proto::read_state_bytes::Request => "ReadStateBytes",
        Streaming<proto::write_state_bytes::RequestChunk> => "WriteStateBytes",
        proto::plan_action::Request => "PlanAction",
        proto::validate_action_config::Request => "ValidateActionConfig",
        proto::invoke_action::Request => "InvokeAction",
        proto::call_function::Request => "CallFunction",
    ],
);

impl<P: Provider> GrpcProvider<P> {
    /// Serves a request: `answer` answers it inside its RPC's span.
    async fn serve<Q: Asked, A, F: Future<Output = A>>(
        &self,
        request: Request<Q>,
        answer: impl FnOnce(Q) -> F,
    ) -> RpcResult<A> {
        let request = request.into_inner();
        let type_name = request.type_name().to_owned();
        self.traced(Q::RPC, &type_name, answer(request)).await
    }
}

/// An answer that carries only what went wrong, every other field left empty.
trait Failed {
    fn failed(diagnostics: Vec<proto::Diagnostic>) -> Self;
}

macro_rules! failed {
    ($($rpc:ident),* $(,)?) => {
        $(impl Failed for proto::$rpc::Response {
            fn failed(diagnostics: Vec<proto::Diagnostic>) -> Self {
                let mut answer = Self::default();
                answer.diagnostics = diagnostics;
                answer
            }
        })*
    };
}

failed!(
    configure_provider,
    upgrade_resource_identity,
    upgrade_resource_state,
    plan_resource_change,
    import_resource_state,
    read_data_source,
);

/// The answer itself, or the one that carries only the diagnostics of its failure.
fn answered<T: Failed>(result: Result<T, Diagnostics>) -> T {
    or_diagnostics(result, T::failed)
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for GrpcProvider<P> {
    async fn get_metadata(
        &self,
        request: Request<proto::get_metadata::Request>,
    ) -> RpcResult<proto::get_metadata::Response> {
        self.serve(request, |_| async { self.metadata() }).await
    }

    async fn get_provider_schema(
        &self,
        request: Request<proto::get_provider_schema::Request>,
    ) -> RpcResult<proto::get_provider_schema::Response> {
        self.serve(request, |_| async { self.schema_response() })
            .await
    }

    async fn validate_provider_config(
        &self,
        request: Request<proto::validate_provider_config::Request>,
    ) -> RpcResult<proto::validate_provider_config::Response> {
        self.serve(request, |r| self.validate_provider_config(r))
            .await
    }

    async fn configure_provider(
        &self,
        request: Request<proto::configure_provider::Request>,
    ) -> RpcResult<proto::configure_provider::Response> {
        self.serve(request, |r| self.configure_provider(r)).await
    }

    async fn stop_provider(
        &self,
        request: Request<proto::stop_provider::Request>,
    ) -> RpcResult<proto::stop_provider::Response> {
        self.serve(request, |_| async { self.stop_provider() })
            .await
    }

    async fn get_resource_identity_schemas(
        &self,
        request: Request<proto::get_resource_identity_schemas::Request>,
    ) -> RpcResult<proto::get_resource_identity_schemas::Response> {
        self.serve(request, |_| async { self.identity_schemas() })
            .await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<proto::upgrade_resource_identity::Request>,
    ) -> RpcResult<proto::upgrade_resource_identity::Response> {
        self.serve(request, |r| self.upgrade_resource_identity(r))
            .await
    }

    async fn get_functions(
        &self,
        request: Request<proto::get_functions::Request>,
    ) -> RpcResult<proto::get_functions::Response> {
        // No provider functions: an empty map is the truthful answer. Never an error
        // diagnostic: Terraform 1.12+ fails to load the provider's schemas on one.
        self.serve(request, |_| async {
            proto::get_functions::Response::default()
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<proto::validate_resource_config::Request>,
    ) -> RpcResult<proto::validate_resource_config::Response> {
        self.serve(request, |r| self.validate_resource_config(r))
            .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<proto::upgrade_resource_state::Request>,
    ) -> RpcResult<proto::upgrade_resource_state::Response> {
        self.serve(request, |r| self.upgrade_resource_state(r))
            .await
    }

    async fn read_resource(
        &self,
        request: Request<proto::read_resource::Request>,
    ) -> RpcResult<proto::read_resource::Response> {
        self.serve(request, |r| self.read_resource(r)).await
    }

    async fn plan_resource_change(
        &self,
        request: Request<proto::plan_resource_change::Request>,
    ) -> RpcResult<proto::plan_resource_change::Response> {
        self.serve(request, |r| self.plan_resource_change(r)).await
    }

    async fn apply_resource_change(
        &self,
        request: Request<proto::apply_resource_change::Request>,
    ) -> RpcResult<proto::apply_resource_change::Response> {
        self.serve(request, |r| self.apply_resource_change(r)).await
    }

    async fn import_resource_state(
        &self,
        request: Request<proto::import_resource_state::Request>,
    ) -> RpcResult<proto::import_resource_state::Response> {
        self.serve(request, |r| self.import_resource_state(r)).await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<proto::validate_data_resource_config::Request>,
    ) -> RpcResult<proto::validate_data_resource_config::Response> {
        self.serve(request, |r| self.validate_data_resource_config(r))
            .await
    }

    async fn read_data_source(
        &self,
        request: Request<proto::read_data_source::Request>,
    ) -> RpcResult<proto::read_data_source::Response> {
        self.serve(request, |r| self.read_data_source(r)).await
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<proto::validate_list_resource_config::Request>,
    ) -> RpcResult<proto::validate_list_resource_config::Response> {
        self.serve(request, |r| self.validate_list_resource_config(r))
            .await
    }

    type ListResourceStream = BoxStream<proto::list_resource::Event>;

    async fn list_resource(
        &self,
        request: Request<proto::list_resource::Request>,
    ) -> RpcResult<Self::ListResourceStream> {
        // The span covers starting the listing; the stream's own work logs as it goes.
        self.serve(request, |r| self.list_resource(r)).await
    }

    type ReadStateBytesStream = BoxStream<proto::read_state_bytes::Response>;
    type InvokeActionStream = BoxStream<proto::invoke_action::Event>;

    // ---- the RPCs of features this provider does not offer (see `not_offered`) ----

    async fn move_resource_state(
        &self,
        request: Request<proto::move_resource_state::Request>,
    ) -> RpcResult<proto::move_resource_state::Response> {
        self.not_offered(request).await
    }

    async fn generate_resource_config(
        &self,
        request: Request<proto::generate_resource_config::Request>,
    ) -> RpcResult<proto::generate_resource_config::Response> {
        self.not_offered(request).await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<proto::validate_ephemeral_resource_config::Response> {
        self.not_offered(request).await
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<proto::open_ephemeral_resource::Request>,
    ) -> RpcResult<proto::open_ephemeral_resource::Response> {
        self.not_offered(request).await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<proto::renew_ephemeral_resource::Request>,
    ) -> RpcResult<proto::renew_ephemeral_resource::Response> {
        self.not_offered(request).await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<proto::close_ephemeral_resource::Request>,
    ) -> RpcResult<proto::close_ephemeral_resource::Response> {
        self.not_offered(request).await
    }

    async fn validate_state_store_config(
        &self,
        request: Request<proto::validate_state_store::Request>,
    ) -> RpcResult<proto::validate_state_store::Response> {
        self.not_offered(request).await
    }

    async fn configure_state_store(
        &self,
        request: Request<proto::configure_state_store::Request>,
    ) -> RpcResult<proto::configure_state_store::Response> {
        self.not_offered(request).await
    }

    async fn lock_state(
        &self,
        request: Request<proto::lock_state::Request>,
    ) -> RpcResult<proto::lock_state::Response> {
        self.not_offered(request).await
    }

    async fn unlock_state(
        &self,
        request: Request<proto::unlock_state::Request>,
    ) -> RpcResult<proto::unlock_state::Response> {
        self.not_offered(request).await
    }

    async fn get_states(
        &self,
        request: Request<proto::get_states::Request>,
    ) -> RpcResult<proto::get_states::Response> {
        self.not_offered(request).await
    }

    async fn delete_state(
        &self,
        request: Request<proto::delete_state::Request>,
    ) -> RpcResult<proto::delete_state::Response> {
        self.not_offered(request).await
    }

    async fn read_state_bytes(
        &self,
        request: Request<proto::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        self.not_offered(request).await
    }

    async fn write_state_bytes(
        &self,
        request: Request<Streaming<proto::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<proto::write_state_bytes::Response> {
        self.not_offered(request).await
    }

    async fn plan_action(
        &self,
        request: Request<proto::plan_action::Request>,
    ) -> RpcResult<proto::plan_action::Response> {
        self.not_offered(request).await
    }

    async fn validate_action_config(
        &self,
        request: Request<proto::validate_action_config::Request>,
    ) -> RpcResult<proto::validate_action_config::Response> {
        self.not_offered(request).await
    }

    async fn invoke_action(
        &self,
        request: Request<proto::invoke_action::Request>,
    ) -> RpcResult<Self::InvokeActionStream> {
        self.not_offered(request).await
    }

    async fn call_function(
        &self,
        request: Request<proto::call_function::Request>,
    ) -> RpcResult<proto::call_function::Response> {
        self.not_offered(request).await
    }
}

#[cfg(test)]
mod tests;
