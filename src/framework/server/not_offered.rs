//! The RPCs of features this provider does not offer (state stores, actions, ephemeral
//! resources, …): each answers with a diagnostic that names the feature, never a gRPC status,
//! so Terraform shows the user a sentence instead of a transport error.

use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{Diagnostic, tfplugin6};

/// An answer (or stream event) that says a feature is not offered.
pub(super) trait NotOffered {
    fn not_offered(feature: &str) -> Self;
}

fn diagnostics(feature: &str) -> Vec<proto::Diagnostic> {
    to_proto([Diagnostic::error(
        format!("{feature} not supported"),
        format!("The partnercenter provider offers no {feature}."),
    )])
}

/// Answers whose only job here is their `diagnostics` field.
macro_rules! with_diagnostics {
    ($($message:ident :: $ty:ident),* $(,)?) => {
        $(
            impl NotOffered for tfplugin6::$message::$ty {
                fn not_offered(feature: &str) -> Self {
                    let mut answer = Self::default();
                    answer.diagnostics = diagnostics(feature);
                    answer
                }
            }
        )*
    };
}

with_diagnostics!(
    move_resource_state::Response,
    generate_resource_config::Response,
    validate_ephemeral_resource_config::Response,
    open_ephemeral_resource::Response,
    renew_ephemeral_resource::Response,
    close_ephemeral_resource::Response,
    validate_state_store::Response,
    configure_state_store::Response,
    lock_state::Response,
    unlock_state::Response,
    get_states::Response,
    delete_state::Response,
    read_state_bytes::Response,
    write_state_bytes::Response,
    plan_action::Response,
    validate_action_config::Response,
);

impl NotOffered for proto::invoke_action::Event {
    fn not_offered(feature: &str) -> Self {
        use proto::invoke_action::event::{Completed, Type};
        Self {
            r#type: Some(Type::Completed(Completed {
                diagnostics: diagnostics(feature),
            })),
        }
    }
}

impl NotOffered for proto::call_function::Response {
    fn not_offered(feature: &str) -> Self {
        Self {
            result: None,
            error: Some(proto::FunctionError {
                text: format!("The partnercenter provider offers no {feature}."),
                function_argument: None,
            }),
        }
    }
}

/// The trait methods of the RPCs not offered, grouped by feature, written inside the
/// `#[tonic::async_trait]` impl. The methods are spelled as `async_trait` expands an
/// `async fn` (a boxed future), because that attribute runs before this macro expands.
macro_rules! rpcs {
    ($($feature:literal => { $($rpc:ident : $method:ident $request:tt -> $answer:tt),* $(,)? }),* $(,)?) => {
        $($( $crate::framework::server::not_offered::rpc!($feature, $rpc, $method $request -> $answer); )*)*
    };
}

macro_rules! rpc {
    // An RPC that answers with a stream: one event carrying the diagnostic.
    ($feature:literal, $rpc:ident, $method:ident ($request:ty)
        -> (stream $event:ty as $stream:ident)) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            _: tonic::Request<$request>,
        ) -> ::std::pin::Pin<
            Box<dyn ::std::future::Future<Output = RpcResult<Self::$stream>> + Send + 'async_trait>,
        >
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(self.traced(stringify!($rpc), "", async {
                let event =
                    <$event as $crate::framework::server::not_offered::NotOffered>::not_offered(
                        $feature,
                    );
                Box::pin(futures_util::stream::iter([Ok(event)])) as Self::$stream
            }))
        }
    };
    // An RPC with one answer.
    ($feature:literal, $rpc:ident, $method:ident ($request:ty) -> ($answer:ty)) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            _: tonic::Request<$request>,
        ) -> ::std::pin::Pin<
            Box<dyn ::std::future::Future<Output = RpcResult<$answer>> + Send + 'async_trait>,
        >
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(self.traced(stringify!($rpc), "", async {
                <$answer as $crate::framework::server::not_offered::NotOffered>::not_offered(
                    $feature,
                )
            }))
        }
    };
}

pub(super) use {rpc, rpcs};
