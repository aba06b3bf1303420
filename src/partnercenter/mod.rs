//! Partner Center client: credentials, token cache, retries and typed errors; no Terraform types.

mod async_contract;
mod audit_records;
mod auth;
mod client;
mod collection;
mod config;
pub(crate) mod contract;
mod customers;
pub(crate) mod error;
mod model;
mod response;
pub(crate) mod retry;
mod rules;
mod throttle;

pub use audit_records::{HistoryDays, HistoryQuery, QualificationChange};
pub use client::Client;
pub use config::{
    ClientConfig, Credentials, DEFAULT_AUTHORITY_URL, DEFAULT_BASE_URL, PARTNER_CENTER_RESOURCE,
    Secret, user_agent,
};
pub use customers::Customer;
pub use error::{ApiError, AuthError, CallContext, ConfigError, Error, RequestIds, codes};
pub use model::{
    EducationSegment, Qualification, QualificationApi, QualificationRequest, UnknownQualification,
    ValidationCode, VettedQualification, parse_customer_id, principal,
};
pub use retry::{InvalidRetryPolicy, RetryPolicy};
pub use rules::{NotSent, Refusal, SETTABLE, keepable};
