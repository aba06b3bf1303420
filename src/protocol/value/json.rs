//! JSON values (a stored state, a DynamicValue's `json` field) as go-cty's ctyjson reads them:
//! the walk of [`super::walk`] over a [`Json`] tree, with JSON's own leaf rules.
//!
//! Hand-written rather than serde_json because numbers must keep their exact text (`0.1` is
//! not an `f64`) and type JSON must be written as Go's `encoding/json` writes it. Values are
//! only read: the provider answers Terraform in msgpack.

mod parse;
mod write;

pub use parse::SyntaxError;
pub(super) use parse::{Json, parse};
pub(super) use write::write_string;

use super::walk::{self, Extra, Node};
use super::{DecodeError, DecodeErrorKind, Number, Type, Value};

/// Decodes JSON as a value of type `ty`. Unlike msgpack, JSON has no unknowns; like go-cty, a
/// primitive may come as a string (`"12"` for a number) and a missing attribute is null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    walk::decode(&parse(bytes).map_err(DecodeError::new)?, ty, Extra::Refuse)
}

/// Decodes a stored state of type `ty`: like [`decode`], but object attributes the type lacks
/// are dropped at every depth, so that an attribute removed from a schema never strands a state
/// (though not inside a value of dynamic type, which carries its own type).
pub fn decode_state(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    walk::decode(&parse(bytes).map_err(DecodeError::new)?, ty, Extra::Ignore)
}

impl Node for Json<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    fn null_or_unknown(&self) -> Option<Value> {
        matches!(self, Json::Null).then_some(Value::Null)
    }

    /// A string, or a number's or bool's text, as cty converts them.
    fn string(&self) -> Result<Option<String>, DecodeError> {
        Ok(match self {
            Json::String(s) => Some(s.to_string()),
            Json::Number(text) => Some((*text).to_owned()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// A number, or a string holding one, in full.
    fn number(&self) -> Result<Option<Number>, DecodeError> {
        let text = match self {
            Json::Number(text) => text,
            Json::String(text) => text.as_ref(),
            _ => return Ok(None),
        };
        text.parse().map(Some).map_err(DecodeError::new)
    }

    /// A bool, or a string that cty reads as one.
    fn boolean(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            Json::String(s) => match s.as_ref() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn elements(&self) -> Option<&[Self]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    fn members(&self) -> Option<impl Iterator<Item = Result<(&str, &Self), DecodeError>>> {
        match self {
            Json::Object(members) => Some(members.iter().map(|(name, item)| Ok((&**name, item)))),
            _ => None,
        }
    }

    /// `{"value": …, "type": …}`, in either order, as ctyjson writes a value of dynamic type.
    fn dynamic(&self) -> Result<Option<(Type, &Self)>, DecodeError> {
        let Json::Object(members) = self else {
            return Ok(None);
        };
        let (mut ty, mut value) = (None, None);
        for (key, item) in members {
            let slot = match key.as_ref() {
                "type" => &mut ty,
                "value" => &mut value,
                _ => {
                    return Err(DecodeError::new(DecodeErrorKind::Dynamic(
                        "keys must be \"value\" and \"type\"",
                    )));
                }
            };
            if slot.replace(item).is_some() {
                return Err(DecodeError::new(DecodeErrorKind::DuplicateKey(
                    key.to_string(),
                )));
            }
        }
        let ty =
            ty.ok_or_else(|| DecodeError::new(DecodeErrorKind::Dynamic("missing \"type\"")))?;
        let value =
            value.ok_or_else(|| DecodeError::new(DecodeErrorKind::Dynamic("missing \"value\"")))?;
        let ty = Type::from_tree(ty).map_err(DecodeError::new)?;
        Ok(Some((ty, value)))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MAX_DEPTH;
    use super::super::tests::{arb_typed_value, arb_value_of, schema_type};
    use super::*;
    use proptest::prelude::*;

    /// ctyjson's form of a wholly known value, for the decoder's round trips: the provider
    /// itself never writes a value as JSON.
    pub(in crate::protocol::value) fn encode(value: &Value, ty: &Type) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, value, ty);
        out
    }

    fn write(out: &mut Vec<u8>, value: &Value, ty: &Type) {
        match (ty, value) {
            (_, Value::Null) => out.extend_from_slice(b"null"),
            (Type::Dynamic, Value::Dynamic { ty, value }) => {
                out.extend_from_slice(br#"{"value":"#);
                write(out, value, ty);
                out.extend_from_slice(br#","type":"#);
                ty.write_json(out);
                out.push(b'}');
            }
            (Type::String, Value::String(s)) => write_string(out, s),
            (Type::Number, Value::Number(n)) => out.extend_from_slice(n.to_string().as_bytes()),
            (Type::Bool, Value::Bool(b)) => out.extend_from_slice(b.to_string().as_bytes()),
            (Type::List(element) | Type::Set(element), Value::List(items) | Value::Set(items)) => {
                write_array(out, items.iter().map(|item| (item, element.as_ref())));
            }
            (Type::Tuple(types), Value::Tuple(items)) => write_array(out, items.iter().zip(types)),
            (Type::Map(element), Value::Map(map)) => {
                write_members(
                    out,
                    map.iter().map(|(key, item)| (key, item, element.as_ref())),
                );
            }
            (Type::Object { attrs, .. }, Value::Object(object)) => write_members(
                out,
                attrs
                    .iter()
                    .map(|(name, ty)| (name, object.get(name).unwrap_or(&Value::Null), ty)),
            ),
            _ => panic!("{value:?} cannot be written as JSON of type {ty:?}"),
        }
    }

    fn write_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = (&'a Value, &'a Type)>) {
        out.push(b'[');
        for (i, (item, ty)) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(out, item, ty);
        }
        out.push(b']');
    }

    fn write_members<'a>(
        out: &mut Vec<u8>,
        members: impl Iterator<Item = (&'a String, &'a Value, &'a Type)>,
    ) {
        out.push(b'{');
        for (i, (key, item, ty)) in members.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(out, key);
            out.push(b':');
            write(out, item, ty);
        }
        out.push(b'}');
    }

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::object(attrs.iter().cloned())
    }

    #[test]
    fn reads_what_ctyjson_reads() {
        let ty = obj(&[
            ("a", Type::String),
            ("n", Type::Number),
            ("b", Type::Bool),
            ("gone", Type::String),
        ]);
        let value = decode(
            br#" {"n": 1.50, "a": "x\u00e9\ud83d\ude00", "b": false} "#,
            &ty,
        )
        .unwrap();
        assert_eq!(
            value,
            Value::object([
                ("a", Value::string("xé😀")),
                ("n", Value::number(Number::from_f64(1.5).unwrap())),
                ("b", Value::Bool(false)),
                ("gone", Value::Null),
            ])
        );
        // Primitives convert from strings and to strings, as cty's conversions allow.
        assert_eq!(
            decode(br#""12""#, &Type::Number).unwrap(),
            Value::number(12)
        );
        assert_eq!(decode(br#""1""#, &Type::Bool).unwrap(), Value::Bool(true));
        assert_eq!(decode(b"1e2", &Type::String).unwrap(), Value::string("1e2"));
        assert_eq!(
            decode(b"true", &Type::String).unwrap(),
            Value::string("true")
        );
        // The exact decimal survives: 0.1 is not rounded through an f64.
        assert_eq!(
            decode(b"0.1", &Type::Number).unwrap(),
            Value::number("0.1".parse::<Number>().unwrap())
        );
        let beyond_i64 = "123456789012345678901234567890";
        assert_eq!(
            decode(beyond_i64.as_bytes(), &Type::Number).unwrap(),
            Value::number(beyond_i64.parse::<Number>().unwrap())
        );
        // Like go-cty, a float is written as its shortest text, which reads back as that decimal.
        let float = Value::number(Number::from_f64(0.1).unwrap());
        assert_eq!(
            decode(&encode(&float, &Type::Number), &Type::Number).unwrap(),
            Value::number("0.1".parse::<Number>().unwrap())
        );
        assert_eq!(
            decode(br#"{"type":"string","value":null}"#, &Type::Dynamic).unwrap(),
            Value::Dynamic {
                ty: Type::String,
                value: Box::new(Value::Null)
            }
        );
        assert_eq!(decode(b"null", &Type::Dynamic).unwrap(), Value::Null);
        assert_eq!(
            decode(br#""\ud800x""#, &Type::String).unwrap(),
            Value::string("\u{fffd}x")
        );
    }

    #[test]
    fn errors_name_the_path() {
        let ty = obj(&[("codes", Type::list(obj(&[("max_creates", Type::Number)])))]);
        let err = decode(br#"{"codes":[{"max_creates":"lots"}]}"#, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at codes[0].max_creates: "lots" is not a number"#
        );
        let err = decode(br#"{"codes":[{"max_creates":true}]}"#, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at codes[0].max_creates: expected number, found bool"
        );
        let err = decode(br#"{"codes":[], "extra": 1}"#, &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"unsupported attribute "extra""#);
        let err = decode(br#"{"codes":[],"codes":[]}"#, &ty).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::DuplicateKey(_)));
        let err = decode(b"[1,2]", &Type::Tuple(vec![Type::Number])).unwrap_err();
        assert_eq!(err.to_string(), "expected a tuple of 1 elements, found 2");
        let err = decode(br#"{"value":1}"#, &Type::Dynamic).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"malformed dynamic value: missing "type""#
        );
        let err = decode(br#"{"type":"strin","value":1}"#, &Type::Dynamic).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid type in dynamic value: unknown type name "strin""#
        );
        let err = decode(br#"{"m":{"k":1}}"#, &obj(&[("m", Type::map(Type::Bool))])).unwrap_err();
        assert_eq!(err.to_string(), r#"at m["k"]: expected bool, found number"#);
    }

    #[test]
    fn malformed_json_is_a_syntax_error_whatever_the_type() {
        // Each would fit one of the types if it were read leniently.
        for bad in [&b"[1,]"[..], b"[1] 2", b"nul", b"01", b"\"1", b"{\"a\":1,}"] {
            for ty in [
                Type::Dynamic,
                Type::list(Type::Number),
                Type::Number,
                Type::map(Type::Number),
            ] {
                let err = decode(bad, &ty).unwrap_err();
                assert!(
                    matches!(err.kind, DecodeErrorKind::Json(_)) && err.path.is_root(),
                    "{} as {ty:?}: {err}",
                    String::from_utf8_lossy(bad)
                );
            }
        }
        let err = decode(b"[1, x]", &Type::list(Type::Number)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON at byte 4: unexpected character"
        );
    }

    #[test]
    fn a_stored_state_drops_attributes_its_schema_lacks_at_every_depth() {
        let item = obj(&[("keep", Type::String)]);
        let ty = obj(&[
            ("list", Type::list(item.clone())),
            ("map", Type::map(item.clone())),
            ("tuple", Type::Tuple(vec![item.clone()])),
            ("dynamic", Type::Dynamic),
        ]);
        let state = br#"{"gone": {"not": "read"}, "gone": [1],
            "list": [{"keep": "a", "old": 1}], "map": {"k": {"old": true, "keep": "b"}},
            "tuple": [{"keep": "c", "old": null}], "dynamic": null}"#;
        let kept = |keep: &str| Value::list([Value::object([("keep", Value::string(keep))])]);
        assert_eq!(
            decode_state(state, &ty).unwrap(),
            Value::object([
                ("list", kept("a")),
                (
                    "map",
                    Value::Map(
                        [(
                            "k".to_owned(),
                            Value::object([("keep", Value::string("b"))])
                        )]
                        .into()
                    )
                ),
                (
                    "tuple",
                    Value::Tuple(kept("c").elements().unwrap().to_vec())
                ),
                ("dynamic", Value::Null),
            ])
        );
        // The same document is refused where the schema is the whole truth.
        assert_eq!(
            decode(state, &ty).unwrap_err().to_string(),
            r#"unsupported attribute "gone""#
        );
        // A value of dynamic type carries its own type, so an extra there is still an error,
        // and so are a repeated attribute and a value that does not fit.
        for (bad, message) in [
            (
                &br#"{"dynamic": {"value": {"a": 1, "b": 2}, "type": ["object", {"a": "number"}]}}"#[..],
                r#"at dynamic: unsupported attribute "b""#,
            ),
            (br#"{"list": [{"keep": "a", "keep": "b"}]}"#, r#"at list[0]: duplicate key "keep""#),
            (br#"{"list": [{"keep": [], "old": 1}]}"#, "at list[0].keep: expected string, found array"),
        ] {
            assert_eq!(decode_state(bad, &ty).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let too_deep_for = |bytes: &[u8], ty: &Type| {
            let err = decode(bytes, ty).expect_err("too deep");
            assert!(
                matches!(
                    err.kind,
                    DecodeErrorKind::Json(SyntaxError {
                        reason: "nesting too deep",
                        ..
                    })
                ),
                "{err}"
            );
        };
        let deep = "[".repeat(100_000);
        too_deep_for(deep.as_bytes(), &Type::Dynamic);
        // Just inside the limit decodes.
        let mut ty = Type::String;
        for _ in 0..MAX_DEPTH {
            ty = Type::list(ty);
        }
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(decode(ok.as_bytes(), &ty).is_ok());
        let too_deep = format!("[{ok}]");
        too_deep_for(too_deep.as_bytes(), &Type::list(ty));
    }

    proptest! {
        #[test]
        fn known_values_round_trip((ty, value) in arb_typed_value(false)) {
            let bytes = encode(&value, &ty);
            prop_assert_eq!(decode(&bytes, &ty).unwrap(), value);
        }

        #[test]
        fn strings_round_trip(s in any::<String>()) {
            let bytes = encode(&Value::string(s.clone()), &Type::String);
            prop_assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::String(s));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for ty in [
                Type::Dynamic,
                Type::String,
                Type::list(Type::Number),
                Type::object([("a", Type::map(Type::Bool))]),
            ] {
                let _ = decode(&bytes, &ty);
            }
        }

        #[test]
        fn random_json_like_text_never_panics(text in r#"[\[\]{}",:0-9a-z\\ .eE+-]{0,40}"#) {
            for ty in [
                Type::Dynamic,
                Type::Tuple(vec![Type::String, Type::Number]),
                Type::object([("a", Type::set(Type::Bool))]),
            ] {
                let _ = decode(text.as_bytes(), &ty);
            }
        }

        #[test]
        fn values_of_a_schema_type_round_trip(value in arb_value_of(schema_type(), false)) {
            let ty = schema_type();
            prop_assert_eq!(decode(&encode(&value, &ty), &ty).unwrap(), value);
        }
    }
}
