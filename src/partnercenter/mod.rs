//! Partner Center client: credentials, token cache, retries and typed errors; no Terraform types.

mod auth;
mod client;
mod config;
pub(crate) mod contract;
pub(crate) mod error;
mod model;
mod response;
pub(crate) mod retry;

pub use client::Client;
pub use config::{
    ClientConfig, Credentials, DEFAULT_AUTHORITY_URL, DEFAULT_BASE_URL, PARTNER_CENTER_RESOURCE,
    Secret, user_agent,
};
pub use error::{ApiError, AuthError, CallContext, ConfigError, Error, RequestIds, codes};
pub use model::{Qualification, UnknownQualification, ValidationCode, parse_customer_id};
pub use retry::{InvalidRetryPolicy, RetryPolicy};
