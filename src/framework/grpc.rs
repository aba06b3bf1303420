//! The tfplugin6 `Provider` gRPC service, as a thin adapter over the framework traits.
//!
//! Every RPC decodes its values with the right schema, calls one trait method, and encodes the
//! answer; every failure becomes diagnostics in the response. No RPC panics or answers with a
//! bare transport error: the ones this provider has no use for answer with a clear diagnostic,
//! or an empty answer where "none" is the truth (functions, resource identities).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use futures_util::{Stream, stream};
use tonic::{Request, Response, Status, Streaming};

use super::{DataSource, Provider, Refreshed, Resource, upgrade};
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::protocol::{Diagnostic, Diagnostics, Schema, Type, Value, dynamic};

type RpcResult<T> = Result<Response<T>, Status>;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A registered type with its schema and value type computed once.
struct Registered<T: ?Sized> {
    handler: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Registered<T> {
    fn new(handler: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Self {
            handler,
            schema,
            ty,
        }
    }
}

/// Serves a [`Provider`] over tfplugin6.
pub struct GrpcProvider<P: Provider> {
    provider: P,
    schema: Schema,
    ty: Type,
    resources: HashMap<&'static str, Registered<dyn Resource<P::Context>>>,
    data_sources: HashMap<&'static str, Registered<dyn DataSource<P::Context>>>,
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
            .map(|r| (r.type_name(), Registered::new(r.clone(), r.schema())))
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), Registered::new(d.clone(), d.schema())))
            .collect();
        let schema = provider.schema();
        let ty = schema.value_type();
        Self {
            provider,
            schema,
            ty,
            resources,
            data_sources,
            context: RwLock::new(None),
        }
    }

    /// The whole schema answer, as `terraform providers schema` shows it.
    pub fn schema_response(&self) -> proto::get_provider_schema::Response {
        proto::get_provider_schema::Response {
            provider: Some(self.schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, r)| ((*name).to_owned(), r.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, d)| ((*name).to_owned(), d.schema.to_proto()))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }
    }

    fn resource(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn Resource<P::Context>>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn DataSource<P::Context>>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
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
}

fn server_capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        // The schema never changes within a binary, so Terraform may cache it.
        get_provider_schema_optional: true,
        ..Default::default()
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named \"{type_name}\"."),
    )
}

/// The answer for RPCs of features this provider does not offer.
fn unsupported(feature: &str) -> Vec<proto::Diagnostic> {
    to_proto([Diagnostic::error(
        format!("{feature} not supported"),
        format!("The partnercenter provider offers no {feature}."),
    )])
}

/// Awaits `body`, turning its error into the response `on_error` builds around the
/// diagnostics, so that no failure reaches Terraform as a bare gRPC status.
async fn respond<T>(
    body: impl Future<Output = Result<T, Diagnostics>>,
    on_error: impl FnOnce(Vec<proto::Diagnostic>) -> T,
) -> RpcResult<T> {
    Ok(Response::new(
        body.await.unwrap_or_else(|d| on_error(to_proto(d))),
    ))
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for GrpcProvider<P> {
    async fn get_metadata(
        &self,
        _: Request<proto::get_metadata::Request>,
    ) -> RpcResult<proto::get_metadata::Response> {
        Ok(Response::new(proto::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| proto::get_metadata::ResourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|name| proto::get_metadata::DataSourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<proto::get_provider_schema::Request>,
    ) -> RpcResult<proto::get_provider_schema::Response> {
        Ok(Response::new(self.schema_response()))
    }

    async fn validate_provider_config(
        &self,
        request: Request<proto::validate_provider_config::Request>,
    ) -> RpcResult<proto::validate_provider_config::Response> {
        let request = request.into_inner();
        respond(
            async {
                let config = dynamic::decode(request.config.as_ref(), &self.ty)?;
                Ok(proto::validate_provider_config::Response {
                    diagnostics: to_proto(self.provider.validate(&config)),
                })
            },
            |diagnostics| proto::validate_provider_config::Response { diagnostics },
        )
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<proto::configure_provider::Request>,
    ) -> RpcResult<proto::configure_provider::Response> {
        let request = request.into_inner();
        tracing::debug!(terraform_version = %request.terraform_version, "configuring the provider");
        respond(
            async {
                let config = dynamic::decode(request.config.as_ref(), &self.ty)?;
                let context = self
                    .provider
                    .configure(&config, &request.terraform_version)
                    .await?;
                *self
                    .context
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(context));
                Ok(proto::configure_provider::Response::default())
            },
            |diagnostics| proto::configure_provider::Response { diagnostics },
        )
        .await
    }

    async fn stop_provider(
        &self,
        _: Request<proto::stop_provider::Request>,
    ) -> RpcResult<proto::stop_provider::Response> {
        tracing::info!("Terraform asked the provider to stop; cancelling in-flight requests");
        self.provider.stop();
        Ok(Response::new(proto::stop_provider::Response::default()))
    }

    async fn validate_resource_config(
        &self,
        request: Request<proto::validate_resource_config::Request>,
    ) -> RpcResult<proto::validate_resource_config::Response> {
        let request = request.into_inner();
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let config = dynamic::decode(request.config.as_ref(), &resource.ty)?;
                Ok(proto::validate_resource_config::Response {
                    diagnostics: to_proto(resource.handler.validate(&config)),
                })
            },
            |diagnostics| proto::validate_resource_config::Response { diagnostics },
        )
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<proto::validate_data_resource_config::Request>,
    ) -> RpcResult<proto::validate_data_resource_config::Response> {
        let request = request.into_inner();
        respond(
            async {
                let data_source = self.data_source(&request.type_name)?;
                let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
                Ok(proto::validate_data_resource_config::Response {
                    diagnostics: to_proto(data_source.handler.validate(&config)),
                })
            },
            |diagnostics| proto::validate_data_resource_config::Response { diagnostics },
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<proto::upgrade_resource_state::Request>,
    ) -> RpcResult<proto::upgrade_resource_state::Response> {
        let request = request.into_inner();
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let raw = request.raw_state.unwrap_or_default();
                let state = upgrade::upgrade_state(&resource.schema, request.version, &raw)?;
                Ok(proto::upgrade_resource_state::Response {
                    upgraded_state: Some(dynamic::encode(&state, &resource.ty)?),
                    diagnostics: Vec::new(),
                })
            },
            |diagnostics| proto::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics,
            },
        )
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<proto::get_resource_identity_schemas::Request>,
    ) -> RpcResult<proto::get_resource_identity_schemas::Response> {
        // No resource here has an identity schema; an empty answer says exactly that. Never
        // an error diagnostic: Terraform 1.12+ asks every provider and fails to load its
        // schemas on one.
        Ok(Response::new(Default::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        _: Request<proto::upgrade_resource_identity::Request>,
    ) -> RpcResult<proto::upgrade_resource_identity::Response> {
        Ok(Response::new(proto::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: unsupported("resource identity"),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<proto::read_resource::Request>,
    ) -> RpcResult<proto::read_resource::Response> {
        let request = request.into_inner();
        let found = |new_state: proto::DynamicValue, warnings: Vec<Diagnostic>| {
            proto::read_resource::Response {
                new_state: Some(new_state),
                diagnostics: to_proto(warnings),
                private: request.private.clone(),
                ..Default::default()
            }
        };
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let state = dynamic::decode(request.current_state.as_ref(), &resource.ty)?;
                if state.is_null() {
                    return Ok(proto::read_resource::Response {
                        new_state: request.current_state.clone(),
                        private: request.private.clone(),
                        ..Default::default()
                    });
                }
                let ctx = self.context()?;
                Ok(match resource.handler.read(&ctx, &state).await? {
                    Refreshed::Found(new_state) => {
                        found(dynamic::encode(&new_state, &resource.ty)?, Vec::new())
                    }
                    Refreshed::Gone(warning) => {
                        found(dynamic::encode(&Value::Null, &resource.ty)?, vec![warning])
                    }
                })
            },
            // On failure the state Terraform has, and its private data, stay as they were.
            |diagnostics| proto::read_resource::Response {
                new_state: request.current_state.clone(),
                diagnostics,
                private: request.private.clone(),
                ..Default::default()
            },
        )
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<proto::plan_resource_change::Request>,
    ) -> RpcResult<proto::plan_resource_change::Response> {
        let request = request.into_inner();
        let private = request.prior_private.clone();
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let proposed = dynamic::decode(request.proposed_new_state.as_ref(), &resource.ty)?;
                if proposed.is_null() {
                    // A destroy: nothing to plan.
                    return Ok(proto::plan_resource_change::Response {
                        planned_state: request.proposed_new_state.clone(),
                        planned_private: private.clone(),
                        ..Default::default()
                    });
                }
                let prior = dynamic::decode(request.prior_state.as_ref(), &resource.ty)?;
                let config = dynamic::decode(request.config.as_ref(), &resource.ty)?;
                let planned = resource.handler.plan(&prior, &proposed, &config)?;
                Ok(proto::plan_resource_change::Response {
                    planned_state: Some(dynamic::encode(&planned.state, &resource.ty)?),
                    requires_replace: planned.requires_replace.iter().map(Into::into).collect(),
                    planned_private: private.clone(),
                    ..Default::default()
                })
            },
            |diagnostics| proto::plan_resource_change::Response {
                diagnostics,
                ..Default::default()
            },
        )
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<proto::apply_resource_change::Request>,
    ) -> RpcResult<proto::apply_resource_change::Response> {
        let request = request.into_inner();
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let prior = dynamic::decode(request.prior_state.as_ref(), &resource.ty)?;
                let planned = dynamic::decode(request.planned_state.as_ref(), &resource.ty)?;
                let ctx = self.context()?;
                let handler = &resource.handler;
                let (state, warnings) = if planned.is_null() {
                    (Value::Null, handler.delete(&ctx, &prior).await?)
                } else if prior.is_null() {
                    let applied = handler.create(&ctx, &planned).await?;
                    (applied.state, applied.warnings)
                } else {
                    let applied = handler.update(&ctx, &prior, &planned).await?;
                    (applied.state, applied.warnings)
                };
                Ok(proto::apply_resource_change::Response {
                    new_state: Some(dynamic::encode(&state, &resource.ty)?),
                    private: request.planned_private.clone(),
                    diagnostics: to_proto(warnings),
                    ..Default::default()
                })
            },
            // A failed change leaves Terraform's state exactly as it was before; Terraform
            // records whatever private data the answer carries, so it must be kept too.
            |diagnostics| proto::apply_resource_change::Response {
                new_state: request.prior_state.clone(),
                private: request.planned_private.clone(),
                diagnostics,
                ..Default::default()
            },
        )
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<proto::import_resource_state::Request>,
    ) -> RpcResult<proto::import_resource_state::Response> {
        let request = request.into_inner();
        respond(
            async {
                let resource = self.resource(&request.type_name)?;
                let state = resource.handler.import(&request.id)?;
                Ok(proto::import_resource_state::Response {
                    imported_resources: vec![proto::import_resource_state::ImportedResource {
                        type_name: request.type_name.clone(),
                        state: Some(dynamic::encode(&state, &resource.ty)?),
                        ..Default::default()
                    }],
                    ..Default::default()
                })
            },
            |diagnostics| proto::import_resource_state::Response {
                diagnostics,
                ..Default::default()
            },
        )
        .await
    }

    async fn move_resource_state(
        &self,
        _: Request<proto::move_resource_state::Request>,
    ) -> RpcResult<proto::move_resource_state::Response> {
        Ok(Response::new(proto::move_resource_state::Response {
            diagnostics: unsupported("moving state between resource types"),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<proto::read_data_source::Request>,
    ) -> RpcResult<proto::read_data_source::Response> {
        let request = request.into_inner();
        respond(
            async {
                let data_source = self.data_source(&request.type_name)?;
                let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
                let ctx = self.context()?;
                let state = data_source.handler.read(&ctx, &config).await?;
                Ok(proto::read_data_source::Response {
                    state: Some(dynamic::encode(&state, &data_source.ty)?),
                    ..Default::default()
                })
            },
            |diagnostics| proto::read_data_source::Response {
                diagnostics,
                ..Default::default()
            },
        )
        .await
    }

    async fn generate_resource_config(
        &self,
        _: Request<proto::generate_resource_config::Request>,
    ) -> RpcResult<proto::generate_resource_config::Response> {
        Ok(Response::new(proto::generate_resource_config::Response {
            config: None,
            diagnostics: unsupported("configuration generation"),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<proto::validate_ephemeral_resource_config::Response> {
        Ok(Response::new(
            proto::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported("ephemeral resources"),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        _: Request<proto::open_ephemeral_resource::Request>,
    ) -> RpcResult<proto::open_ephemeral_resource::Response> {
        Ok(Response::new(proto::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        _: Request<proto::renew_ephemeral_resource::Request>,
    ) -> RpcResult<proto::renew_ephemeral_resource::Response> {
        Ok(Response::new(proto::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        _: Request<proto::close_ephemeral_resource::Request>,
    ) -> RpcResult<proto::close_ephemeral_resource::Response> {
        Ok(Response::new(proto::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
        }))
    }

    type ListResourceStream = BoxStream<proto::list_resource::Event>;

    async fn list_resource(
        &self,
        _: Request<proto::list_resource::Request>,
    ) -> RpcResult<Self::ListResourceStream> {
        let event = proto::list_resource::Event {
            diagnostic: unsupported("list resources"),
            ..Default::default()
        };
        Ok(Response::new(Box::pin(stream::iter([Ok(event)]))))
    }

    async fn validate_list_resource_config(
        &self,
        _: Request<proto::validate_list_resource_config::Request>,
    ) -> RpcResult<proto::validate_list_resource_config::Response> {
        Ok(Response::new(
            proto::validate_list_resource_config::Response {
                diagnostics: unsupported("list resources"),
            },
        ))
    }

    async fn get_functions(
        &self,
        _: Request<proto::get_functions::Request>,
    ) -> RpcResult<proto::get_functions::Response> {
        // No provider functions: an empty map is the truthful answer. Never an error
        // diagnostic: Terraform 1.12+ fails to load the provider's schemas on one.
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        request: Request<proto::call_function::Request>,
    ) -> RpcResult<proto::call_function::Response> {
        Ok(Response::new(proto::call_function::Response {
            result: None,
            error: Some(proto::FunctionError {
                text: format!(
                    "The partnercenter provider has no function named \"{}\".",
                    request.into_inner().name
                ),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        _: Request<proto::validate_state_store::Request>,
    ) -> RpcResult<proto::validate_state_store::Response> {
        Ok(Response::new(proto::validate_state_store::Response {
            diagnostics: unsupported("state stores"),
        }))
    }

    async fn configure_state_store(
        &self,
        _: Request<proto::configure_state_store::Request>,
    ) -> RpcResult<proto::configure_state_store::Response> {
        Ok(Response::new(proto::configure_state_store::Response {
            diagnostics: unsupported("state stores"),
            ..Default::default()
        }))
    }

    type ReadStateBytesStream = BoxStream<proto::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _: Request<proto::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        let chunk = proto::read_state_bytes::Response {
            diagnostics: unsupported("state stores"),
            ..Default::default()
        };
        Ok(Response::new(Box::pin(stream::iter([Ok(chunk)]))))
    }

    async fn write_state_bytes(
        &self,
        _: Request<Streaming<proto::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<proto::write_state_bytes::Response> {
        Ok(Response::new(proto::write_state_bytes::Response {
            diagnostics: unsupported("state stores"),
        }))
    }

    async fn lock_state(
        &self,
        _: Request<proto::lock_state::Request>,
    ) -> RpcResult<proto::lock_state::Response> {
        Ok(Response::new(proto::lock_state::Response {
            diagnostics: unsupported("state stores"),
            ..Default::default()
        }))
    }

    async fn unlock_state(
        &self,
        _: Request<proto::unlock_state::Request>,
    ) -> RpcResult<proto::unlock_state::Response> {
        Ok(Response::new(proto::unlock_state::Response {
            diagnostics: unsupported("state stores"),
        }))
    }

    async fn get_states(
        &self,
        _: Request<proto::get_states::Request>,
    ) -> RpcResult<proto::get_states::Response> {
        Ok(Response::new(proto::get_states::Response {
            diagnostics: unsupported("state stores"),
            ..Default::default()
        }))
    }

    async fn delete_state(
        &self,
        _: Request<proto::delete_state::Request>,
    ) -> RpcResult<proto::delete_state::Response> {
        Ok(Response::new(proto::delete_state::Response {
            diagnostics: unsupported("state stores"),
        }))
    }

    async fn plan_action(
        &self,
        _: Request<proto::plan_action::Request>,
    ) -> RpcResult<proto::plan_action::Response> {
        Ok(Response::new(proto::plan_action::Response {
            diagnostics: unsupported("actions"),
            ..Default::default()
        }))
    }

    type InvokeActionStream = BoxStream<proto::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _: Request<proto::invoke_action::Request>,
    ) -> RpcResult<Self::InvokeActionStream> {
        use proto::invoke_action::event::{Completed, Type as EventType};
        let event = proto::invoke_action::Event {
            r#type: Some(EventType::Completed(Completed {
                diagnostics: unsupported("actions"),
            })),
        };
        Ok(Response::new(Box::pin(stream::iter([Ok(event)]))))
    }

    async fn validate_action_config(
        &self,
        _: Request<proto::validate_action_config::Request>,
    ) -> RpcResult<proto::validate_action_config::Response> {
        Ok(Response::new(proto::validate_action_config::Response {
            diagnostics: unsupported("actions"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::StreamExt;

    use super::*;
    use crate::framework::{Applied, Planned};
    use crate::protocol::{Attribute, Presence};

    const THING: &str = "test_thing";

    /// A resource whose create and update fail, and whose read answers by the id it is given.
    #[derive(Default)]
    struct Thing {
        validations: AtomicUsize,
    }

    fn thing_schema() -> Schema {
        Schema {
            version: 0,
            description: "",
            attributes: vec![Attribute::new("id", Type::String, Presence::Required, "")],
        }
    }

    fn refused() -> Diagnostics {
        Diagnostic::error("Refused", "The server refused the change.").into()
    }

    #[tonic::async_trait]
    impl Resource<()> for Thing {
        fn type_name(&self) -> &'static str {
            THING
        }

        fn schema(&self) -> Schema {
            thing_schema()
        }

        fn validate(&self, _: &Value) -> Diagnostics {
            self.validations.fetch_add(1, Ordering::SeqCst);
            Diagnostic::warning("Checked", "Once.").into()
        }

        fn plan(&self, _: &Value, proposed: &Value, _: &Value) -> Result<Planned, Diagnostics> {
            Ok(Planned {
                state: proposed.clone(),
                requires_replace: Vec::new(),
            })
        }

        async fn create(&self, _: &(), _: &Value) -> Result<Applied, Diagnostics> {
            Err(refused())
        }

        async fn read(&self, _: &(), state: &Value) -> Result<Refreshed, Diagnostics> {
            match state.attr("id").and_then(Value::as_str) {
                Some("gone") => Ok(Refreshed::Gone(Diagnostic::warning("Gone", "It went."))),
                Some("broken") => Err(refused()),
                _ => Ok(Refreshed::Found(state.clone())),
            }
        }

        async fn update(&self, _: &(), _: &Value, _: &Value) -> Result<Applied, Diagnostics> {
            Err(refused())
        }

        async fn delete(&self, _: &(), _: &Value) -> Result<Vec<Diagnostic>, Diagnostics> {
            Ok(Vec::new())
        }

        fn import(&self, id: &str) -> Result<Value, Diagnostics> {
            Ok(Value::object([("id", Value::string(id))]))
        }
    }

    #[derive(Default)]
    struct TestProvider {
        thing: Arc<Thing>,
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

        fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
            let thing: Arc<dyn Resource<()>> = self.thing.clone();
            vec![thing]
        }

        fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
            Vec::new()
        }

        fn validate(&self, _: &Value) -> Diagnostics {
            Diagnostics::default()
        }

        async fn configure(&self, _: &Value, _: &str) -> Result<(), Diagnostics> {
            Ok(())
        }

        fn stop(&self) {}
    }

    async fn configured() -> (GrpcProvider<TestProvider>, Arc<Thing>) {
        let provider = TestProvider::default();
        let thing = provider.thing.clone();
        let server = GrpcProvider::new(provider);
        let config = dynamic::encode(&Value::object::<&str>([]), &server.ty).unwrap();
        let answer = server
            .configure_provider(Request::new(proto::configure_provider::Request {
                config: Some(config),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
        (server, thing)
    }

    fn thing(id: &str) -> proto::DynamicValue {
        dynamic::encode(
            &Value::object([("id", Value::string(id))]),
            &thing_schema().value_type(),
        )
        .unwrap()
    }

    fn is_error(diagnostic: &proto::Diagnostic) -> bool {
        diagnostic.severity == proto::diagnostic::Severity::Error as i32
    }

    fn summaries(diagnostics: &[proto::Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.summary.as_str()).collect()
    }

    #[tokio::test]
    async fn unsupported_rpcs_answer_with_diagnostics_not_a_status() {
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
        }
        let mut events = server
            .list_resource(Request::new(Default::default()))
            .await
            .expect("a stream, not a gRPC status")
            .into_inner();
        let event = events.next().await.unwrap().unwrap();
        assert!(event.diagnostic.iter().any(is_error));
        let call = server
            .call_function(Request::new(proto::call_function::Request {
                name: "f".to_owned(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(call.error.is_some());
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
    async fn unknown_type_names_give_a_diagnostic() {
        let (server, _) = configured().await;
        let validate = server
            .validate_resource_config(Request::new(proto::validate_resource_config::Request {
                type_name: "nope".to_owned(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries(&validate.diagnostics), ["Unknown resource type"]);
        let read = server
            .read_data_source(Request::new(proto::read_data_source::Request {
                type_name: "nope".to_owned(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries(&read.diagnostics), ["Unknown data source type"]);
        let apply = server
            .apply_resource_change(Request::new(proto::apply_resource_change::Request {
                type_name: "nope".to_owned(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries(&apply.diagnostics), ["Unknown resource type"]);
    }

    #[tokio::test]
    async fn validate_calls_the_handler_once() {
        let (server, thing) = configured().await;
        let answer = server
            .validate_resource_config(Request::new(proto::validate_resource_config::Request {
                type_name: THING.to_owned(),
                config: Some(self::thing("a")),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries(&answer.diagnostics), ["Checked"]);
        assert_eq!(thing.validations.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_apply_keeps_the_prior_state_and_private() {
        let (server, _) = configured().await;
        let update = server
            .apply_resource_change(Request::new(proto::apply_resource_change::Request {
                type_name: THING.to_owned(),
                prior_state: Some(thing("a")),
                planned_state: Some(thing("b")),
                config: Some(thing("b")),
                planned_private: b"private".to_vec(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries(&update.diagnostics), ["Refused"]);
        assert_eq!(update.new_state, Some(thing("a")));
        assert_eq!(update.private, b"private");

        let create = server
            .apply_resource_change(Request::new(proto::apply_resource_change::Request {
                type_name: THING.to_owned(),
                prior_state: None,
                planned_state: Some(thing("b")),
                config: Some(thing("b")),
                ..Default::default()
            }))
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
            server.read_resource(Request::new(proto::read_resource::Request {
                type_name: THING.to_owned(),
                current_state: Some(thing(id)),
                private: b"private".to_vec(),
                ..Default::default()
            }))
        };
        let gone = read("gone").await.unwrap().into_inner();
        let new_state = dynamic::decode(gone.new_state.as_ref(), &thing_schema().value_type());
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
}
