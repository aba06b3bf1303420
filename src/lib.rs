//! terraform-provider-partnercenter: Microsoft Partner Center customer qualifications as
//! Terraform resources.
//!
//! The layers, from Terraform inwards:
//! - [`plugin`]: the go-plugin host (handshake, AutoMTLS, controller, stdio, health);
//! - [`protocol`]: tfplugin6 on the wire (generated types, value codec, schemas, diagnostics);
//! - [`framework`]: one trait per resource / data source behind one gRPC service;
//! - [`provider`]: the partnercenter provider, its resources and data sources;
//! - [`partnercenter`]: the Partner Center HTTP client (no Terraform types).
//!
//! The local Partner Center server of the demo and the tests is its own crate,
//! `partnercenter-sandbox` (in `sandbox/`), so that the provider does not carry it.

pub mod framework;
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod partnercenter;
pub mod plugin;
pub mod protocol;
pub mod provider;
mod quote;
