//! Data source types.

pub mod customer_qualification;
pub mod qualification_history;
pub mod validation_codes;
