//! The go-plugin host: how Terraform starts us, finds us and stops us.
//!
//! Terraform runs the binary with a magic cookie and a client certificate in the environment,
//! reads one handshake line from stdout, then speaks gRPC over mutual TLS on a unix socket (on
//! Windows, TCP on 127.0.0.1).
//! This module owns all of that; what the provider *does* lives behind the tfplugin6 service it
//! is given.

mod connection;
mod controller;
pub mod handshake;
mod listen;
mod routes;
mod serve;
pub mod tls;

pub use listen::{Address, ListenError};
pub use serve::{PluginError, ServeMode, serve};

/// go-plugin's internal services (controller, stdio), generated from `proto/plugin/`. The broker
/// is not served: Terraform brokers nothing, and go-plugin's client does without it.
#[allow(unreachable_pub, missing_debug_implementations, clippy::all)]
pub mod proto {
    tonic::include_proto!("plugin");
}
