//! Data source types.

pub mod customer_qualification;
pub mod validation_codes;
