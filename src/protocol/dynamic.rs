//! DynamicValue: Terraform sends msgpack (JSON in a few older paths); we always answer msgpack.

use super::diagnostics::Diagnostic;
use super::tfplugin6 as proto;
use super::value::{Type, Value, json, msgpack};

/// Decodes a value Terraform sent, reading msgpack first and falling back to JSON. A missing
/// value is null, as Terraform means it.
pub fn decode(dynamic: Option<&proto::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(dynamic) = dynamic else {
        return Ok(Value::Null);
    };
    let decoded = if !dynamic.msgpack.is_empty() {
        msgpack::decode(&dynamic.msgpack, ty).map_err(|e| e.to_string())
    } else if !dynamic.json.is_empty() {
        json::decode(&dynamic.json, ty).map_err(|e| e.to_string())
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|problem| {
        Diagnostic::error(
            "Terraform sent a value the provider cannot read",
            format!(
                "{problem}. This is a bug in the provider or a mismatch with this Terraform \
                 version; please report it with the Terraform version."
            ),
        )
    })
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
