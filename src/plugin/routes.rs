//! Sends each gRPC call to the service its path names (`/{package.Service}/{Method}`).
//!
//! This is all that tonic's `router` feature would do for us, and that feature brings axum (a
//! whole web framework) into the provider binary for four fixed services.

use std::convert::Infallible;
use std::future::poll_fn;

use tonic::body::Body;
use tonic::codegen::{BoxFuture, Context, Poll, Service, http};
use tonic::server::NamedService;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::HealthService;

use super::controller::{Controller, Stdio};
use super::proto::grpc_controller_server::GrpcControllerServer;
use super::proto::grpc_stdio_server::GrpcStdioServer;
use crate::protocol::tfplugin6::provider_server::{Provider, ProviderServer};

/// The plugin's gRPC services: health, go-plugin's controller and stdio, and the provider.
#[derive(Debug)]
pub(crate) struct PluginServices<P: Provider> {
    pub(crate) health: HealthServer<HealthService>,
    pub(crate) controller: GrpcControllerServer<Controller>,
    pub(crate) stdio: GrpcStdioServer<Stdio>,
    pub(crate) provider: ProviderServer<P>,
}

// By hand: a derive would ask `P: Clone`, though `ProviderServer` shares its provider.
impl<P: Provider> Clone for PluginServices<P> {
    fn clone(&self) -> Self {
        Self {
            health: self.health.clone(),
            controller: self.controller.clone(),
            stdio: self.stdio.clone(),
            provider: self.provider.clone(),
        }
    }
}

type Answer = BoxFuture<http::Response<Body>, Infallible>;

/// Waits until `service` is ready, as the `Service` contract asks, then calls it.
fn forward<S>(mut service: S, request: http::Request<Body>) -> Answer
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    Box::pin(async move {
        poll_fn(|cx| service.poll_ready(cx)).await?;
        service.call(request).await
    })
}

/// The `package.Service` part of a gRPC path.
fn named<S: NamedService>(_: &S) -> &'static str {
    S::NAME
}

impl<P: Provider> Service<http::Request<Body>> for PluginServices<P> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    /// Each call waits for its own service's readiness, in [`forward`].
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Answer {
        let service = request.uri().path().split('/').nth(1).unwrap_or_default();
        if service == named(&self.provider) {
            forward(self.provider.clone(), request)
        } else if service == named(&self.health) {
            forward(self.health.clone(), request)
        } else if service == named(&self.controller) {
            forward(self.controller.clone(), request)
        } else if service == named(&self.stdio) {
            forward(self.stdio.clone(), request)
        } else {
            Box::pin(async { Ok(tonic::Status::unimplemented("").into_http()) })
        }
    }
}
