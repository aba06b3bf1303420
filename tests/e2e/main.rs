//! The end-to-end tests: one test crate, so that the provider is linked into one test binary
//! rather than once per concern. Each module is one concern; `common` is the harness they share
//! (the pinned Terraform binaries, workspaces wired to this build, the sandbox).

mod common;

mod acceptance;
mod async_contract;
mod client;
mod clouds;
mod crypto_backend;
mod drift;
mod error_cases;
mod examples;
mod history;
mod identity;
mod interrupt;
mod list_stop;
mod malformed_calls;
mod platforms;
mod plugin_handshake;
mod query;
mod release;
mod request_ids;
mod schema;
mod soak;
mod write_only;
