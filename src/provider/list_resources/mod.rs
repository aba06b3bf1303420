//! List resource types (`terraform query`).

pub mod customer_qualification;
