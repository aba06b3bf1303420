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

use super::{DataSource, Provider, Refreshed, Resource};
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

fn errors(diagnostic: impl Into<Diagnostics>) -> Vec<proto::Diagnostic> {
    to_proto(diagnostic.into())
}

/// Runs `body`, turning its error into the diagnostics of an otherwise empty response.
fn respond<T>(
    body: impl FnOnce() -> Result<T, Diagnostics>,
    on_error: impl FnOnce(Vec<proto::Diagnostic>) -> T,
) -> RpcResult<T> {
    Ok(Response::new(
        body().unwrap_or_else(|d| on_error(to_proto(d))),
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
        let diagnostics = match dynamic::decode(request.config.as_ref(), &self.ty) {
            Ok(config) => to_proto(self.provider.validate(&config)),
            Err(d) => errors(d),
        };
        Ok(Response::new(proto::validate_provider_config::Response {
            diagnostics,
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<proto::configure_provider::Request>,
    ) -> RpcResult<proto::configure_provider::Response> {
        let request = request.into_inner();
        tracing::debug!(terraform_version = %request.terraform_version, "configuring the provider");
        let config = match dynamic::decode(request.config.as_ref(), &self.ty) {
            Ok(config) => config,
            Err(d) => {
                return Ok(Response::new(proto::configure_provider::Response {
                    diagnostics: errors(d),
                }));
            }
        };
        let diagnostics = match self
            .provider
            .configure(&config, &request.terraform_version)
            .await
        {
            Ok(context) => {
                *self
                    .context
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(context));
                Vec::new()
            }
            Err(d) => to_proto(d),
        };
        Ok(Response::new(proto::configure_provider::Response {
            diagnostics,
        }))
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
            || {
                let resource = self.resource(&request.type_name)?;
                let config = dynamic::decode(request.config.as_ref(), &resource.ty)?;
                resource.handler.validate(&config).into_result()?;
                Ok(proto::validate_resource_config::Response {
                    diagnostics: to_proto(resource.handler.validate(&config)),
                })
            },
            |diagnostics| proto::validate_resource_config::Response { diagnostics },
        )
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<proto::validate_data_resource_config::Request>,
    ) -> RpcResult<proto::validate_data_resource_config::Response> {
        let request = request.into_inner();
        respond(
            || {
                let data_source = self.data_source(&request.type_name)?;
                let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
                Ok(proto::validate_data_resource_config::Response {
                    diagnostics: to_proto(data_source.handler.validate(&config)),
                })
            },
            |diagnostics| proto::validate_data_resource_config::Response { diagnostics },
        )
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<proto::upgrade_resource_state::Request>,
    ) -> RpcResult<proto::upgrade_resource_state::Response> {
        let request = request.into_inner();
        respond(
            || {
                let resource = self.resource(&request.type_name)?;
                let raw = request.raw_state.unwrap_or_default();
                let state = upgrade_state(&resource.schema, &resource.ty, request.version, &raw)?;
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
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<proto::get_resource_identity_schemas::Request>,
    ) -> RpcResult<proto::get_resource_identity_schemas::Response> {
        // No resource here has an identity schema; an empty answer says exactly that.
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
        let private = request.private.clone();
        let result = async {
            let resource = self.resource(&request.type_name)?;
            let state = dynamic::decode(request.current_state.as_ref(), &resource.ty)?;
            if state.is_null() {
                return Ok::<_, Diagnostics>((request.current_state.clone(), Vec::new()));
            }
            let ctx = self.context()?;
            match resource.handler.read(&ctx, &state).await? {
                Refreshed::Found(new_state) => {
                    Ok((Some(dynamic::encode(&new_state, &resource.ty)?), Vec::new()))
                }
                Refreshed::Gone(warning) => Ok((
                    Some(dynamic::encode(&Value::Null, &resource.ty)?),
                    vec![warning],
                )),
            }
        }
        .await;
        let response = match result {
            Ok((new_state, warnings)) => proto::read_resource::Response {
                new_state,
                diagnostics: to_proto(warnings),
                private,
                ..Default::default()
            },
            // On failure the state Terraform has stays as it was.
            Err(d) => proto::read_resource::Response {
                new_state: request.current_state,
                diagnostics: to_proto(d),
                private,
                ..Default::default()
            },
        };
        Ok(Response::new(response))
    }

    async fn plan_resource_change(
        &self,
        request: Request<proto::plan_resource_change::Request>,
    ) -> RpcResult<proto::plan_resource_change::Response> {
        let request = request.into_inner();
        let private = request.prior_private.clone();
        respond(
            || {
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
    }

    async fn apply_resource_change(
        &self,
        request: Request<proto::apply_resource_change::Request>,
    ) -> RpcResult<proto::apply_resource_change::Response> {
        let request = request.into_inner();
        let result = async {
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
            Ok::<_, Diagnostics>((dynamic::encode(&state, &resource.ty)?, warnings))
        }
        .await;
        let response = match result {
            Ok((new_state, warnings)) => proto::apply_resource_change::Response {
                new_state: Some(new_state),
                private: request.planned_private,
                diagnostics: to_proto(warnings),
                ..Default::default()
            },
            // A failed change leaves Terraform's state exactly as it was before.
            Err(d) => proto::apply_resource_change::Response {
                new_state: request.prior_state,
                diagnostics: to_proto(d),
                ..Default::default()
            },
        };
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<proto::import_resource_state::Request>,
    ) -> RpcResult<proto::import_resource_state::Response> {
        let request = request.into_inner();
        respond(
            || {
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
        let result = async {
            let data_source = self.data_source(&request.type_name)?;
            let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
            let ctx = self.context()?;
            let state = data_source.handler.read(&ctx, &config).await?;
            Ok::<_, Diagnostics>(dynamic::encode(&state, &data_source.ty)?)
        }
        .await;
        let response = match result {
            Ok(state) => proto::read_data_source::Response {
                state: Some(state),
                ..Default::default()
            },
            Err(d) => proto::read_data_source::Response {
                diagnostics: to_proto(d),
                ..Default::default()
            },
        };
        Ok(Response::new(response))
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
        // No provider functions: an empty map is the truthful answer.
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

/// Reads a stored state of the current schema version. Attributes the schema no longer has
/// are dropped rather than failing, so a removed attribute never strands a state.
fn upgrade_state(
    schema: &Schema,
    ty: &Type,
    version: i64,
    raw: &proto::RawState,
) -> Result<Value, Diagnostic> {
    if version > schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "The state has schema version {version}, but this provider knows versions up \
                 to {}. Upgrade the provider.",
                schema.version
            ),
        ));
    }
    if raw.json.is_empty() {
        return Err(Diagnostic::error(
            "Unsupported state format",
            "The state is in the legacy flatmap format, which this provider never wrote.",
        ));
    }
    let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&raw.json)
        .map_err(|e| {
            Diagnostic::error(
                "Unreadable state",
                format!("The stored state is not a JSON object: {e}."),
            )
        })?;
    object.retain(|name, _| schema.attribute(name).is_some());
    let json = serde_json::Value::Object(object).to_string();
    crate::protocol::value::json::decode(json.as_bytes(), ty).map_err(|e| {
        Diagnostic::error(
            "Unreadable state",
            format!("The stored state does not fit the schema: {e}."),
        )
    })
}
