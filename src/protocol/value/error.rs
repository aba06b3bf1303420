//! Codec errors: what was wrong, and where in the value.

use std::fmt;

use super::json::SyntaxError;
use super::msgpack::ReadError;
use super::number::NumberError;
use super::ty::TypeError;
use super::{AttributePath, PathStep};
use crate::quote::quote;

/// Bytes that are not a value of the expected type.
#[derive(Debug, thiserror::Error)]
#[error("{}{kind}", Location(.path))]
pub struct DecodeError {
    pub path: AttributePath,
    pub kind: DecodeErrorKind,
}

/// What was wrong with the bytes.
#[derive(Debug, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("malformed msgpack: {0}")]
    Msgpack(#[from] ReadError),
    #[error(transparent)]
    Json(#[from] SyntaxError),
    #[error("unexpected data after the value")]
    TrailingData,
    #[error("expected {expected}, found {found}")]
    Mismatch {
        expected: &'static str,
        found: &'static str,
    },
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error(transparent)]
    Number(#[from] NumberError),
    #[error("expected a tuple of {expected} elements, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("unsupported attribute {}", quote(.0))]
    UnsupportedAttribute(String),
    #[error("duplicate key {}", quote(.0))]
    DuplicateKey(String),
    #[error("map keys and attribute names must be strings")]
    NonStringKey,
    #[error("malformed dynamic value: {0}")]
    Dynamic(&'static str),
    #[error("invalid type in dynamic value: {0}")]
    Type(#[from] TypeError),
}

/// A value that does not fit the type it is to be written as.
#[derive(Debug, thiserror::Error)]
#[error("{}{kind}", Location(.path))]
pub struct EncodeError {
    pub path: AttributePath,
    pub kind: EncodeErrorKind,
}

/// Why the value could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EncodeErrorKind {
    #[error("expected {expected} value, found {found}")]
    Mismatch {
        expected: &'static str,
        found: &'static str,
    },
    #[error("expected a tuple of {expected} elements, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("unsupported attribute {}", quote(.0))]
    UnsupportedAttribute(String),
    #[error("a value of dynamic type must carry its concrete type (Value::Dynamic)")]
    DynamicWithoutType,
    #[error("unknown values cannot be written as JSON")]
    UnknownInJson,
    #[error("infinite numbers cannot be written as JSON")]
    InfinityInJson,
    #[error("writing msgpack failed: {0}")]
    Msgpack(#[source] rmpv::encode::Error),
}

impl DecodeError {
    /// An error at the root; callers on the way out add their steps with [`Self::under`].
    pub(super) fn new(kind: impl Into<DecodeErrorKind>) -> Self {
        Self {
            path: AttributePath::root(),
            kind: kind.into(),
        }
    }

    // Paths are built only for an error, on its way out, so decoding allocates none.
    pub(super) fn under(mut self, step: PathStep) -> Self {
        self.path.steps.insert(0, step);
        self
    }
}

impl EncodeError {
    pub(super) fn new(kind: EncodeErrorKind) -> Self {
        Self {
            path: AttributePath::root(),
            kind,
        }
    }

    pub(super) fn under(mut self, step: PathStep) -> Self {
        self.path.steps.insert(0, step);
        self
    }
}

/// `at codes[0].max_creates: `, or nothing at the root.
struct Location<'a>(&'a AttributePath);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_root() {
            Ok(())
        } else {
            write!(f, "at {}: ", self.0)
        }
    }
}
