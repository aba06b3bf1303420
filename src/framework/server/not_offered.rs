//! The RPCs of features this provider does not offer (state stores, actions, ephemeral
//! resources, …): each answers with a diagnostic that names the feature and the provider,
//! never a gRPC status, so Terraform shows the user a sentence instead of a transport error.

use tonic::Request;

use super::{Asked, BoxStream, GrpcProvider, RpcResult};
use crate::framework::Provider;
use crate::protocol::Diagnostic;
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;

impl<P: Provider> GrpcProvider<P> {
    /// The answer to a request of a feature this provider does not offer.
    pub(super) async fn not_offered<Q: Asked, T: NotOffered>(
        &self,
        request: Request<Q>,
    ) -> RpcResult<T> {
        self.serve(request, |_| async { T::not_offered(self.name()) })
            .await
    }
}

/// An answer (or stream of events) that says provider `provider` does not offer its feature.
pub(super) trait NotOffered {
    fn not_offered(provider: &str) -> Self;
}

fn message(provider: &str, feature: &str) -> String {
    format!("The {provider} provider offers no {feature}.")
}

fn diagnostics(provider: &str, feature: &str) -> Vec<proto::Diagnostic> {
    to_proto([Diagnostic::error(
        format!("{feature} not supported"),
        message(provider, feature),
    )])
}

/// Answers whose only job here is their `diagnostics` field, by the feature they belong to.
macro_rules! with_diagnostics {
    ($($feature:literal => [$($message:ident),* $(,)?]),* $(,)?) => {
        $($(
            impl NotOffered for proto::$message::Response {
                fn not_offered(provider: &str) -> Self {
                    let mut answer = Self::default();
                    answer.diagnostics = diagnostics(provider, $feature);
                    answer
                }
            }
        )*)*
    };
}

with_diagnostics!(
    "moving state between resource types" => [move_resource_state],
    "configuration generation" => [generate_resource_config],
    "ephemeral resources" => [
        validate_ephemeral_resource_config,
        open_ephemeral_resource,
        renew_ephemeral_resource,
        close_ephemeral_resource,
    ],
    "state stores" => [
        validate_state_store,
        configure_state_store,
        lock_state,
        unlock_state,
        get_states,
        delete_state,
        read_state_bytes,
        write_state_bytes,
    ],
    "actions" => [plan_action, validate_action_config],
);

impl NotOffered for proto::invoke_action::Event {
    fn not_offered(provider: &str) -> Self {
        use proto::invoke_action::event::{Completed, Type};
        Self {
            r#type: Some(Type::Completed(Completed {
                diagnostics: diagnostics(provider, "actions"),
            })),
        }
    }
}

impl NotOffered for proto::call_function::Response {
    fn not_offered(provider: &str) -> Self {
        Self {
            result: None,
            error: Some(proto::FunctionError {
                text: message(provider, "functions"),
                function_argument: None,
            }),
        }
    }
}

/// A streaming RPC: one event that says so, then the end.
impl<T: NotOffered + Send + 'static> NotOffered for BoxStream<T> {
    fn not_offered(provider: &str) -> Self {
        Box::pin(futures_util::stream::iter([Ok(T::not_offered(provider))]))
    }
}
