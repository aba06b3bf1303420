//! Managed resource types.

pub mod customer_qualification;
