//! msgpack values, Terraform's usual DynamicValue encoding, as go-cty's `cty/msgpack` has them:
//! read through the walk of [`super::walk`] over an [`Item`] tree, and written back.

use super::walk::{self, Extra, Node};
use super::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, MAX_DEPTH, Number, PathStep, Type,
    Value,
};

mod read;

use read::Item;
pub use read::ReadError;

/// Decodes msgpack as a value of type `ty`.
///
/// go-cty's unknowns (extension 0, and 12 whose refinements are dropped) are unknown; any other
/// extension, and the reserved byte 0xc1, are errors. A missing object attribute is null; set
/// elements keep the order they came in.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    // A dynamic value's `[type, value]` array is one level above the value's own nesting.
    let (tree, used) = read::read(bytes, MAX_DEPTH + 1).map_err(DecodeError::new)?;
    if used != bytes.len() {
        return Err(DecodeError::new(DecodeErrorKind::TrailingData));
    }
    walk::decode(&tree, ty, Extra::Refuse)
}

/// Encodes a value of type `ty` as go-cty would: unknowns as `d4 00 00`, integers in their
/// smallest form, object attributes sorted (absent ones as nil), dynamic values as
/// `[type JSON as bin, value]`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let tree = to_tree(value, ty)?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &tree)
        .map_err(|e| EncodeError::new(EncodeErrorKind::Msgpack(e)))?;
    Ok(out)
}

// ---- decoding ----

impl Node for Item<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Item::Nil => "null",
            Item::Bool(_) => "bool",
            Item::Int(_) | Item::UInt(_) | Item::F32(_) | Item::F64(_) => "number",
            Item::Str(_) => "string",
            Item::Bin(_) => "binary",
            Item::Array(_) => "array",
            Item::Map(_) => "map",
            Item::Unknown => "unknown",
        }
    }

    fn null_or_unknown(&self) -> Option<Value> {
        match self {
            Item::Nil => Some(Value::Null),
            Item::Unknown => Some(Value::Unknown),
            _ => None,
        }
    }

    fn string(&self) -> Result<Option<String>, DecodeError> {
        Ok(self.text()?.map(str::to_owned))
    }

    /// Any integer or float form, or decimal text (go-cty's form for what neither holds).
    fn number(&self) -> Result<Option<Number>, DecodeError> {
        Ok(Some(match *self {
            Item::Int(i) => Number::from(i),
            Item::UInt(u) => Number::from(u),
            Item::F32(f) => float(f64::from(f))?,
            Item::F64(f) => float(f)?,
            _ => match self.text()? {
                Some(text) => text.parse().map_err(DecodeError::new)?,
                None => return Ok(None),
            },
        }))
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Item::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn elements(&self) -> Option<&[Self]> {
        match self {
            Item::Array(items) => Some(items),
            _ => None,
        }
    }

    fn members(&self) -> Option<impl Iterator<Item = Result<(&str, &Self), DecodeError>>> {
        match self {
            Item::Map(pairs) => Some(pairs.iter().map(|(key, item)| {
                let name = key
                    .text()?
                    .ok_or_else(|| DecodeError::new(DecodeErrorKind::NonStringKey))?;
                Ok((name, item))
            })),
            _ => None,
        }
    }

    /// `[type JSON, value]`: go-cty writes the JSON as bin and reads bin or str.
    fn dynamic(&self) -> Result<Option<(Type, &Self)>, DecodeError> {
        let Item::Array(items) = self else {
            return Ok(None);
        };
        let [type_json, value] = &items[..] else {
            return Err(DecodeError::new(DecodeErrorKind::Dynamic(
                "expected a [type, value] array",
            )));
        };
        let (Item::Bin(type_json) | Item::Str(type_json)) = type_json else {
            return Err(DecodeError::new(DecodeErrorKind::Dynamic(
                "the type must be JSON bytes",
            )));
        };
        let ty = Type::from_json(type_json).map_err(DecodeError::new)?;
        Ok(Some((ty, value)))
    }
}

impl<'a> Item<'a> {
    /// The text of a str, or of a bin (which go-cty's decoder also takes where it wants a
    /// string).
    fn text(&self) -> Result<Option<&'a str>, DecodeError> {
        match *self {
            Item::Str(bytes) | Item::Bin(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|_| DecodeError::new(DecodeErrorKind::InvalidUtf8)),
            _ => Ok(None),
        }
    }
}

fn float(f: f64) -> Result<Number, DecodeError> {
    Number::from_f64(f).ok_or_else(|| {
        DecodeError::new(DecodeErrorKind::Mismatch {
            expected: "number",
            found: "NaN",
        })
    })
}

// ---- encoding ----

fn to_tree(value: &Value, ty: &Type) -> Result<rmpv::Value, EncodeError> {
    Ok(match (ty, value) {
        (_, Value::Null) => rmpv::Value::Nil,
        // go-cty's compact "wholly unknown": fixext1, type 0, one zero byte.
        (_, Value::Unknown) => rmpv::Value::Ext(0, vec![0]),
        (Type::Dynamic, Value::Dynamic { ty, value }) => {
            rmpv::Value::Array(vec![rmpv::Value::Binary(ty.to_json()), to_tree(value, ty)?])
        }
        (Type::Dynamic, _) => return Err(EncodeError::new(EncodeErrorKind::DynamicWithoutType)),
        (Type::String, Value::String(s)) => rmpv::Value::from(s.as_str()),
        (Type::Number, Value::Number(n)) => n.to_msgpack(),
        (Type::Bool, Value::Bool(b)) => rmpv::Value::Boolean(*b),
        (Type::List(element), Value::List(items)) | (Type::Set(element), Value::Set(items)) => {
            let mut array = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                array.push(to_tree(item, element).map_err(|e| e.under(PathStep::index(i)))?);
            }
            rmpv::Value::Array(array)
        }
        (Type::Tuple(types), Value::Tuple(items)) => {
            if items.len() != types.len() {
                return Err(EncodeError::new(EncodeErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                }));
            }
            let mut array = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                array.push(to_tree(item, ty).map_err(|e| e.under(PathStep::index(i)))?);
            }
            rmpv::Value::Array(array)
        }
        (Type::Map(element), Value::Map(map)) => {
            let mut pairs = Vec::with_capacity(map.len());
            for (key, item) in map {
                let item = to_tree(item, element)
                    .map_err(|e| e.under(PathStep::ElementKeyString(key.clone())))?;
                pairs.push((rmpv::Value::from(key.as_str()), item));
            }
            rmpv::Value::Map(pairs)
        }
        (Type::Object { attrs, .. }, Value::Object(object)) => {
            if let Some(extra) = object.keys().find(|name| !attrs.contains_key(*name)) {
                return Err(EncodeError::new(EncodeErrorKind::UnsupportedAttribute(
                    extra.clone(),
                )));
            }
            let mut pairs = Vec::with_capacity(attrs.len());
            for (name, attr_ty) in attrs {
                let item = to_tree(object.get(name).unwrap_or(&Value::Null), attr_ty)
                    .map_err(|e| e.under(PathStep::Attribute(name.clone())))?;
                pairs.push((rmpv::Value::from(name.as_str()), item));
            }
            rmpv::Value::Map(pairs)
        }
        _ => {
            return Err(EncodeError::new(EncodeErrorKind::Mismatch {
                expected: ty.kind(),
                found: value.kind(),
            }));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arb_typed_value, arb_value_of, schema_type};
    use super::*;
    use proptest::prelude::*;

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn unhex(text: &str) -> Vec<u8> {
        text.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn encoded(value: &Value, ty: &Type) -> String {
        hex(&encode(value, ty).unwrap())
    }

    fn num(n: impl Into<Number>) -> Value {
        Value::number(n)
    }

    #[test]
    fn writes_the_bytes_go_cty_writes() {
        assert_eq!(
            encoded(
                &Value::object([("a", Value::string("b"))]),
                &Type::object([("a", Type::String)])
            ),
            "81 a1 61 a1 62"
        );
        assert_eq!(encoded(&Value::Unknown, &Type::String), "d4 00 00");
        assert_eq!(encoded(&Value::Unknown, &Type::Dynamic), "d4 00 00");
        assert_eq!(encoded(&Value::Null, &Type::Number), "c0");
        assert_eq!(encoded(&Value::Bool(true), &Type::Bool), "c3");
        // vmihailenco/msgpack's EncodeInt: non-negative as the smallest uint form, negative as
        // the smallest int form.
        for (n, bytes) in [
            (0, "00"),
            (127, "7f"),
            (128, "cc 80"),
            (255, "cc ff"),
            (256, "cd 01 00"),
            (65536, "ce 00 01 00 00"),
            (1 << 32, "cf 00 00 00 01 00 00 00 00"),
            (-1, "ff"),
            (-32, "e0"),
            (-33, "d0 df"),
            (-129, "d1 ff 7f"),
            (-32769, "d2 ff ff 7f ff"),
            (i64::MIN, "d3 80 00 00 00 00 00 00 00"),
        ] {
            assert_eq!(encoded(&num(n), &Type::Number), bytes, "{n}");
        }
        // Floats always as float64; integral floats as integers; the rest as decimal strings.
        assert_eq!(
            encoded(&num(Number::from_f64(1.5).unwrap()), &Type::Number),
            "cb 3f f8 00 00 00 00 00 00"
        );
        assert_eq!(
            encoded(&num(Number::from_f64(2.0).unwrap()), &Type::Number),
            "02"
        );
        assert_eq!(
            encoded(
                &num(Number::from_f64(f64::INFINITY).unwrap()),
                &Type::Number
            ),
            "cb 7f f0 00 00 00 00 00 00"
        );
        assert_eq!(
            encoded(&num(u64::MAX), &Type::Number),
            hex(&[&[0xb4][..], b"18446744073709551615"].concat())
        );
        assert_eq!(
            encoded(&num("0.1".parse::<Number>().unwrap()), &Type::Number),
            "a3 30 2e 31"
        );
        // Objects sorted by name, absent attributes written as nil.
        assert_eq!(
            encoded(
                &Value::object([("b", num(1))]),
                &Type::object([("b", Type::Number), ("a", Type::String)])
            ),
            "82 a1 61 c0 a1 62 01"
        );
        assert_eq!(
            encoded(
                &Value::Dynamic {
                    ty: Type::String,
                    value: Box::new(Value::string("x")),
                },
                &Type::Dynamic
            ),
            "92 c4 08 22 73 74 72 69 6e 67 22 a1 78"
        );
        assert_eq!(
            encoded(
                &Value::Dynamic {
                    ty: Type::Bool,
                    value: Box::new(Value::Unknown),
                },
                &Type::Dynamic
            ),
            "92 c4 06 22 62 6f 6f 6c 22 d4 00 00"
        );
        let long = "x".repeat(40);
        assert!(encoded(&Value::string(long.clone()), &Type::String).starts_with("d9 28 78"));
    }

    #[test]
    fn reads_unknowns_plain_and_refined() {
        let ty = Type::String;
        assert_eq!(decode(&unhex("d4 00 00"), &ty).unwrap(), Value::Unknown);
        // go-cty's "unknown, definitely not null": ext 12 holding {1: false}.
        assert_eq!(
            decode(&unhex("c7 03 0c 81 01 c2"), &ty).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            decode(&unhex("c7 03 0c 81 01 c3"), &ty).unwrap(),
            Value::Unknown
        );
        // Not null, with the string prefix "ab": {1: false, 2: "ab"}.
        assert_eq!(
            decode(&unhex("c7 07 0c 82 01 c2 02 a2 61 62"), &ty).unwrap(),
            Value::Unknown
        );
        // A list of 1 to 3 elements: {1: false, 5: 1, 6: 3}.
        assert_eq!(
            decode(
                &unhex("c7 07 0c 83 01 c2 05 01 06 03"),
                &Type::list(Type::String)
            )
            .unwrap(),
            Value::Unknown
        );
        // At any depth.
        assert_eq!(
            decode(
                &unhex("81 a1 61 d4 00 00"),
                &Type::object([("a", Type::Number)])
            )
            .unwrap(),
            Value::object([("a", Value::Unknown)])
        );
        assert_eq!(
            decode(&unhex("d4 00 00"), &Type::Dynamic).unwrap(),
            Value::Unknown
        );
    }

    /// Found by a protocol fuzzer: both were read (0xc1 as null, any extension as unknown)
    /// though go-cty writes neither.
    #[test]
    fn refuses_the_reserved_byte_and_foreign_extensions() {
        let ty = Type::object([("a", Type::Number), ("b", Type::String)]);
        let err = decode(&unhex("82 a1 61 01 a1 62 c1"), &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed msgpack: byte 6 is 0xc1, which msgpack reserves and never uses"
        );
        assert!(matches!(
            decode(&unhex("c1"), &Type::Dynamic).unwrap_err().kind,
            DecodeErrorKind::Msgpack(ReadError::Reserved { offset: 0 })
        ));
        let err = decode(&unhex("81 a1 61 d5 07 00 00"), &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed msgpack: extension type 7 at byte 3: Terraform sends only unknown \
             values, as extension types 0 and 12"
        );
        // A refined unknown whose refinements are not a map.
        assert!(matches!(
            decode(&unhex("d4 0c 01"), &Type::String).unwrap_err().kind,
            DecodeErrorKind::Msgpack(ReadError::Refinements { offset: 0, .. })
        ));
    }

    #[test]
    fn reads_every_number_form() {
        for (bytes, expected) in [
            ("05", num(5)),
            ("e0", num(-32)),
            ("cc ff", num(255)),
            ("cd ff ff", num(65535)),
            ("ce ff ff ff ff", num(4_294_967_295_i64)),
            ("cf ff ff ff ff ff ff ff ff", num(u64::MAX)),
            ("cf 80 00 00 00 00 00 00 00", num(1u64 << 63)),
            ("d0 80", num(-128)),
            ("d1 80 00", num(-32768)),
            ("d2 80 00 00 00", num(-2_147_483_648_i64)),
            ("d3 80 00 00 00 00 00 00 00", num(i64::MIN)),
            ("ca 3f c0 00 00", num(Number::from_f64(1.5).unwrap())),
            (
                "cb 3f f8 00 00 00 00 00 00",
                num(Number::from_f64(1.5).unwrap()),
            ),
            ("cb 40 00 00 00 00 00 00 00", num(2)),
            ("a3 31 65 33", num(1000)),
            ("a3 30 2e 31", num("0.1".parse::<Number>().unwrap())),
            ("c4 02 34 32", num(42)),
        ] {
            assert_eq!(
                decode(&unhex(bytes), &Type::Number).unwrap(),
                expected,
                "{bytes}"
            );
        }
        let huge = format!("9{}", "0".repeat(60));
        let mut bytes = vec![0xd9, 61];
        bytes.extend_from_slice(huge.as_bytes());
        let decoded = decode(&bytes, &Type::Number).unwrap();
        assert_eq!(decoded.as_number().unwrap().to_string(), huge);
        assert_eq!(encode(&decoded, &Type::Number).unwrap(), bytes);
    }

    #[test]
    fn reads_dynamic_values() {
        let bytes = unhex("92 c4 08 22 73 74 72 69 6e 67 22 a1 78");
        let expected = Value::Dynamic {
            ty: Type::String,
            value: Box::new(Value::string("x")),
        };
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), expected);
        // The type JSON may also come as a str.
        assert_eq!(
            decode(
                &unhex("92 a8 22 73 74 72 69 6e 67 22 a1 78"),
                &Type::Dynamic
            )
            .unwrap(),
            expected
        );
        assert_eq!(decode(&unhex("c0"), &Type::Dynamic).unwrap(), Value::Null);
        assert_eq!(
            decode(
                &unhex("92 c4 08 22 73 74 72 69 6e 67 22 c0"),
                &Type::Dynamic
            )
            .unwrap(),
            Value::Dynamic {
                ty: Type::String,
                value: Box::new(Value::Null)
            }
        );
        let err = decode(&unhex("91 c4 08 22 73 74 72 69 6e 67 22"), &Type::Dynamic).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed dynamic value: expected a [type, value] array"
        );
        let err = decode(&unhex("92 c4 03 22 78 22 a1 78"), &Type::Dynamic).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid type in dynamic value: unknown type name "x""#
        );
        let err = decode(&unhex("a1 78"), &Type::Dynamic).unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::Mismatch {
                expected: "dynamic",
                found: "string"
            }
        ));
    }

    #[test]
    fn objects_fill_missing_attributes_and_reject_extra_ones() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        assert_eq!(
            decode(&unhex("81 a1 61 a1 62"), &ty).unwrap(),
            Value::object([("a", Value::string("b")), ("b", Value::Null)])
        );
        assert_eq!(
            decode(&unhex("80"), &ty).unwrap(),
            Value::object([("a", Value::Null), ("b", Value::Null)])
        );
        let err = decode(&unhex("81 a1 63 01"), &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"unsupported attribute "c""#);
        let err = decode(&unhex("82 a1 61 a1 62 a1 61 a1 62"), &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"duplicate key "a""#);
        let err = decode(&unhex("81 01 a1 62"), &ty).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::NonStringKey));
    }

    #[test]
    fn type_errors_name_the_path() {
        let ty = Type::object([(
            "codes",
            Type::list(Type::object([
                ("max_creates", Type::Number),
                ("validation_id", Type::String),
            ])),
        )]);
        // {"codes": [{"max_creates": "x"}]}
        let err = decode(
            &unhex("81 a5 63 6f 64 65 73 91 81 ab 6d 61 78 5f 63 72 65 61 74 65 73 a1 78"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at codes[0].max_creates: "x" is not a number"#
        );
        // {"codes": [{"validation_id": 1}]}
        let err = decode(
            &unhex("81 a5 63 6f 64 65 73 91 81 ad 76 61 6c 69 64 61 74 69 6f 6e 5f 69 64 01"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "at codes[0].validation_id: expected string, found number"
        );
        let err = decode(&unhex("81 a1 6b 01"), &Type::map(Type::Bool)).unwrap_err();
        assert_eq!(err.to_string(), r#"at ["k"]: expected bool, found number"#);
        let err = decode(&unhex("92 01 02"), &Type::Tuple(vec![Type::Number])).unwrap_err();
        assert_eq!(err.to_string(), "expected a tuple of 1 elements, found 2");
        let err = decode(&unhex("a2 ff fe"), &Type::String).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::InvalidUtf8));
        let err = decode(&unhex("cb 7f f8 00 00 00 00 00 00"), &Type::Number).unwrap_err();
        assert_eq!(err.to_string(), "expected number, found NaN");
        let err = decode(&unhex("91 01"), &Type::set(Type::String)).unwrap_err();
        assert_eq!(err.to_string(), "at [0]: expected string, found number");
    }

    #[test]
    fn encode_checks_values_against_the_type() {
        let ty = Type::object([("a", Type::list(Type::String))]);
        let err = encode(
            &Value::object([("a", Value::list([Value::Bool(true)]))]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "at a[0]: expected string value, found bool"
        );
        let err = encode(&Value::object([("b", Value::Null)]), &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"unsupported attribute "b""#);
        let err = encode(&Value::Set(vec![]), &Type::list(Type::String)).unwrap_err();
        assert!(matches!(
            err.kind,
            EncodeErrorKind::Mismatch {
                expected: "list",
                found: "set"
            }
        ));
        let err = encode(&Value::Tuple(vec![]), &Type::Tuple(vec![Type::String])).unwrap_err();
        assert!(matches!(
            err.kind,
            EncodeErrorKind::TupleLength {
                expected: 1,
                found: 0
            }
        ));
        let err = encode(&Value::string("x"), &Type::Dynamic).unwrap_err();
        assert!(matches!(err.kind, EncodeErrorKind::DynamicWithoutType));
        let dynamic = Value::Dynamic {
            ty: Type::String,
            value: Box::new(Value::string("x")),
        };
        let err = encode(&dynamic, &Type::String).unwrap_err();
        assert!(
            matches!(
                err.kind,
                EncodeErrorKind::Mismatch {
                    expected: "string",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        let ty = Type::object([("a", Type::list(Type::String)), ("b", Type::Number)]);
        let good = encode(
            &Value::object([("a", Value::list([Value::string("xyz")])), ("b", num(300))]),
            &ty,
        )
        .unwrap();
        assert!(decode(&good, &ty).is_ok());
        for end in 0..good.len() {
            let err = decode(&good[..end], &ty).expect_err("truncated");
            assert!(
                matches!(err.kind, DecodeErrorKind::Msgpack(ReadError::Truncated)),
                "truncated at {end}: {err}"
            );
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            decode(&trailing, &ty).unwrap_err().kind,
            DecodeErrorKind::TrailingData
        ));
        // Lengths far beyond the data: refused as truncations, before any allocation.
        for garbage in [
            "dd ff ff ff ff",
            "df ff ff ff ff",
            "db ff ff ff ff",
            "c9 ff ff ff ff 00",
            "c7",
        ] {
            let err = decode(&unhex(garbage), &ty).expect_err(garbage);
            assert!(
                matches!(err.kind, DecodeErrorKind::Msgpack(ReadError::Truncated)),
                "{garbage}: {err}"
            );
        }
        assert!(matches!(
            decode(&unhex("ff ff ff"), &ty).unwrap_err().kind,
            DecodeErrorKind::TrailingData
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = vec![0x91; 100_000];
        for ty in [Type::Dynamic, Type::list(Type::String)] {
            let err = decode(&deep, &ty).expect_err("too deep");
            assert!(
                matches!(
                    err.kind,
                    DecodeErrorKind::Msgpack(read::ReadError::TooDeep(_))
                ),
                "{err}"
            );
        }
        // Just inside the limit decodes.
        let mut ty = Type::String;
        for _ in 0..MAX_DEPTH {
            ty = Type::list(ty);
        }
        let mut ok = vec![0x91; MAX_DEPTH];
        ok.extend_from_slice(&unhex("a1 78"));
        assert!(decode(&ok, &ty).is_ok());
    }

    proptest! {
        #[test]
        fn values_round_trip((ty, value) in arb_typed_value(true)) {
            let bytes = encode(&value, &ty).unwrap();
            prop_assert_eq!(decode(&bytes, &ty).unwrap(), value);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for ty in [
                Type::Dynamic,
                Type::String,
                Type::Number,
                Type::list(Type::Number),
                Type::Tuple(vec![Type::Bool, Type::Dynamic]),
                Type::object([("a", Type::map(Type::Bool)), ("b", Type::set(Type::String))]),
            ] {
                let _ = decode(&bytes, &ty);
            }
        }

        #[test]
        fn mutated_encodings_never_panic(
            (ty, value) in arb_typed_value(true),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = encode(&value, &ty).unwrap();
            for (at, byte) in flips {
                let len = bytes.len();
                bytes[at % len] = byte;
            }
            let _ = decode(&bytes, &ty);
            let _ = decode(&bytes, &Type::Dynamic);
        }

        #[test]
        fn values_of_a_schema_type_round_trip(value in arb_value_of(schema_type(), true)) {
            let ty = schema_type();
            prop_assert_eq!(decode(&encode(&value, &ty).unwrap(), &ty).unwrap(), value);
        }
    }
}
