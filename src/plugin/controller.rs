//! go-plugin's side services: the controller (Terraform's way to stop us) and stdio.

use std::pin::Pin;

use futures_util::{Stream, StreamExt, stream};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::proto::grpc_controller_server::GrpcController;
use super::proto::grpc_stdio_server::GrpcStdio;
use super::proto::{Empty, StdioData};

/// `Shutdown` is how Terraform ends a plugin; it starts our graceful stop.
#[derive(Debug)]
pub(crate) struct Controller {
    pub(crate) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the plugin to shut down");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// We never write to stdout or stderr through this stream (Terraform would log it as
/// unexpected data), but go-plugin expects it to exist; it stays open until shutdown so that
/// graceful shutdown is not held up by it.
#[derive(Debug)]
pub(crate) struct Stdio {
    pub(crate) shutdown: CancellationToken,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<StdioStream>, Status> {
        let closed = self.shutdown.clone().cancelled_owned();
        let nothing = stream::once(closed).filter_map(|()| async { None });
        Ok(Response::new(Box::pin(nothing)))
    }
}
