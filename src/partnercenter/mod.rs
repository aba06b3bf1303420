//! Partner Center client: credentials, token cache, retries and typed errors; no Terraform types.

mod async_contract;
mod audit_records;
mod auth;
mod client;
mod collection;
mod config;
pub(crate) mod contract;
mod customers;
mod environment;
pub(crate) mod error;
mod model;
mod proxy;
mod response;
pub(crate) mod retry;
mod rules;
mod throttle;

pub use audit_records::{HistoryDays, HistoryQuery, QualificationChange};
pub use client::Client;
pub use config::{Caller, ClientConfig, Credentials, Secret, user_agent};
pub use customers::Customer;
pub use environment::{
    DEFAULT_AUTHORITY_URL, DEFAULT_BASE_URL, Environment, PARTNER_CENTER_RESOURCE,
};
pub use error::{
    ApiError, AuthError, CallContext, ConfigError, EntraRefusal, Error, RequestIds, codes,
};
pub use model::{
    EducationSegment, Qualification, QualificationApi, QualificationRequest, UnknownQualification,
    ValidationCode, VettedQualification, parse_customer_id, principal,
};
pub use proxy::ProxyEnv;
pub use retry::{InvalidRetryPolicy, RetryPolicy};
pub use rules::{NotSent, Refusal, SETTABLE, keepable};
