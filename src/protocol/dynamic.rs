//! DynamicValue: Terraform sends msgpack (JSON in a few older paths); we always answer msgpack.
//! The codec's errors become diagnostics here, wherever the value came from.

use super::diagnostics::Diagnostic;
use super::tfplugin6 as proto;
use super::value::{DecodeError, Type, Value, json, msgpack};

/// Where a value the codec could not read came from, which decides what its diagnostic says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// A DynamicValue of this RPC.
    Wire,
    /// The stored state of a resource of this type (UpgradeResourceState).
    StoredState(&'a str),
    /// The stored identity of a resource of this type (UpgradeResourceIdentity).
    StoredIdentity(&'a str),
}

/// The diagnostic for a value from `source` that the codec cannot read.
pub fn unreadable(source: Source<'_>, error: &DecodeError) -> Diagnostic {
    match source {
        Source::Wire => Diagnostic::error(
            "Terraform sent a value the provider cannot read",
            format!(
                "{error}. This is a bug in the provider or a mismatch with this Terraform \
                 version; please report it with the Terraform version."
            ),
        ),
        Source::StoredState(type_name) => Diagnostic::error(
            "Unreadable state",
            format!(
                "The stored state of this {type_name} does not fit its schema: {error}. This is \
                 a bug in the provider or a damaged state; please report it."
            ),
        ),
        Source::StoredIdentity(type_name) => Diagnostic::error(
            "Unreadable identity",
            format!(
                "The stored identity of this {type_name} does not fit its schema: {error}. This \
                 is a bug in the provider or a damaged state; please report it."
            ),
        ),
    }
}

/// Decodes a value Terraform sent, reading msgpack first and falling back to JSON. A missing
/// value is null, as Terraform means it.
pub fn decode(dynamic: Option<&proto::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(dynamic) = dynamic else {
        return Ok(Value::Null);
    };
    let decoded = if !dynamic.msgpack.is_empty() {
        msgpack::decode(&dynamic.msgpack, ty)
    } else if !dynamic.json.is_empty() {
        json::decode(&dynamic.json, ty)
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|e| unreadable(Source::Wire, &e))
}

/// Encodes a value for Terraform.
pub fn encode(value: &Value, ty: &Type) -> Result<proto::DynamicValue, Diagnostic> {
    let msgpack = msgpack::encode(value, ty).map_err(|e| {
        Diagnostic::error(
            "The provider produced a value it cannot encode",
            format!("{e}. This is a bug in the provider; please report it."),
        )
    })?;
    Ok(proto::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_type() -> Type {
        Type::Object {
            attrs: [("a".to_owned(), Type::String)].into(),
            optional: Default::default(),
        }
    }

    #[test]
    fn msgpack_round_trip_and_json_fallback() {
        let ty = object_type();
        let value = Value::object([("a", Value::string("b"))]);
        let wire = encode(&value, &ty).unwrap();
        assert_eq!(decode(Some(&wire), &ty).unwrap(), value);
        let from_json = proto::DynamicValue {
            msgpack: Vec::new(),
            json: br#"{"a":"b"}"#.to_vec(),
        };
        assert_eq!(decode(Some(&from_json), &ty).unwrap(), value);
        assert_eq!(decode(None, &ty).unwrap(), Value::Null);
    }

    #[test]
    fn garbage_is_a_diagnostic_not_a_panic() {
        let garbage = proto::DynamicValue {
            msgpack: vec![0xc1, 0xff, 0x00],
            json: Vec::new(),
        };
        let diagnostic = decode(Some(&garbage), &object_type()).unwrap_err();
        assert!(diagnostic.is_error());
    }
}
