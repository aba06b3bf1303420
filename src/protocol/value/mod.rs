//! Terraform values and types (go-cty's model) and their msgpack and JSON wire forms.

mod error;
pub mod json;
pub mod msgpack;
mod number;
mod path;
mod ty;
mod walk;

use std::collections::BTreeMap;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use json::SyntaxError;
pub use number::{Number, NumberError};
pub use path::{AttributePath, PathStep};
pub use ty::{Type, TypeError};

/// How deeply values and type descriptions may nest: deeper input is an error rather than a
/// stack overflow. Real schemas nest a handful of levels.
const MAX_DEPTH: usize = 128;

/// A Terraform value. Which variants are valid depends on the [`Type`] it is read or written
/// as; null and unknown are variants of their own so no code can forget them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Not known until apply. Refinements Terraform may attach (not null, a string prefix,
    /// bounds) are dropped on decoding.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in the order they came in.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value where the type is [`Type::Dynamic`], with the concrete type it has. A dynamic
    /// null or unknown whose type is not decided yet is plain [`Value::Null`] /
    /// [`Value::Unknown`].
    Dynamic {
        ty: Type,
        value: Box<Value>,
    },
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// An object from `(name, value)` pairs; attributes of its type left out encode as null.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn list(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::List(elements.into_iter().collect())
    }

    /// Null, including a null that carries a concrete dynamic type.
    pub fn is_null(&self) -> bool {
        matches!(self.concrete(), Value::Null)
    }

    /// False for an unknown value; its parts may still be unknown (see [`Self::is_wholly_known`]).
    pub fn is_known(&self) -> bool {
        !matches!(self.concrete(), Value::Unknown)
    }

    /// True when neither the value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self.concrete() {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(items) | Value::Object(items) => items.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.concrete() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.concrete() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.concrete() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number, if it is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.concrete() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// An object's attribute; `None` when this is not a (known, non-null) object or it has no
    /// such attribute.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.concrete() {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    /// The attributes of a (known, non-null) object.
    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self.concrete() {
            Value::Object(attrs) => Some(attrs),
            _ => None,
        }
    }

    /// Sets an attribute of an object value; does nothing to other values.
    pub fn set_attr(&mut self, name: &str, value: Value) {
        if let Value::Object(attrs) = self {
            attrs.insert(name.to_owned(), value);
        }
    }

    /// The value inside any dynamic wrappers: readers care what it is, not how it was typed.
    fn concrete(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic { value: inner, .. } = value {
            value = inner;
        }
        value
    }

    /// A short name for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
            Value::Dynamic { .. } => "dynamic value",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::{btree_map, vec};
    use proptest::prelude::*;
    use proptest::strategy::Union;

    fn arb_name() -> impl Strategy<Value = String> {
        prop_oneof![4 => "[a-z_]{1,8}", 1 => "[a-zA-Z0-9 _\"\\\\<>&é\u{2028}-]{0,6}"]
    }

    /// Types; with `dynamic`, `Type::Dynamic` may appear at any level.
    fn arb_type(dynamic: bool) -> impl Strategy<Value = Type> {
        let leaf = if dynamic {
            prop_oneof![
                Just(Type::String),
                Just(Type::Number),
                Just(Type::Bool),
                Just(Type::Dynamic)
            ]
            .boxed()
        } else {
            prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)].boxed()
        };
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                vec((arb_name(), inner.clone(), any::<bool>()), 0..4).prop_map(|attrs| {
                    let optional = attrs.iter().filter(|a| a.2).map(|a| a.0.clone()).collect();
                    Type::Object {
                        attrs: attrs.into_iter().map(|(name, ty, _)| (name, ty)).collect(),
                        optional,
                    }
                }),
                vec(inner, 0..4).prop_map(Type::Tuple),
            ]
        })
    }

    /// Numbers of every representation. JSON, as go-cty writes it, carries no infinities, and
    /// a fraction as its shortest text, which reads back as that float only when the text is
    /// exact (as for quarters), so random fractions are for msgpack only.
    fn arb_number(msgpack: bool) -> BoxedStrategy<Number> {
        let integral_float = |f: f64| Number::from_f64(f.trunc()).filter(|_| f.is_finite());
        let common = prop_oneof![
            any::<i64>().prop_map(Number::from),
            any::<u64>().prop_map(Number::from),
            (-1000.0..1000.0_f64).prop_map(|f| Number::from_f64((f * 4.0).round() / 4.0).unwrap()),
            any::<f64>().prop_filter_map("finite", integral_float),
            "-?[0-9]{1,30}(\\.[0-9]{1,30})?".prop_map(|text| text.parse::<Number>().unwrap()),
        ];
        if msgpack {
            prop_oneof![
                8 => common,
                2 => any::<f64>().prop_filter_map("not NaN", Number::from_f64),
                1 => Just(Number::from_f64(f64::NEG_INFINITY).unwrap()),
            ]
            .boxed()
        } else {
            // A decimal that happens to be a float (`…0.8125`) is shown shortest (`…0.8`).
            common
                .prop_filter("shown exactly", |n| {
                    n.to_string().parse().ok() == Some(n.clone())
                })
                .boxed()
        }
    }

    /// Values of `ty`: null anywhere; unknown anywhere when `msgpack`, as JSON has none.
    pub(super) fn arb_value_of(ty: Type, msgpack: bool) -> BoxedStrategy<Value> {
        let known = match ty {
            Type::String => any::<String>().prop_map(Value::String).boxed(),
            Type::Number => arb_number(msgpack).prop_map(Value::Number).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            // One level of dynamic wrapping, so generation terminates.
            Type::Dynamic => arb_type(false)
                .prop_flat_map(move |ty| {
                    arb_value_of(ty.clone(), msgpack).prop_map(move |value| Value::Dynamic {
                        ty: ty.clone(),
                        value: Box::new(value),
                    })
                })
                .boxed(),
            Type::List(element) => vec(arb_value_of(*element, msgpack), 0..4)
                .prop_map(Value::List)
                .boxed(),
            Type::Set(element) => vec(arb_value_of(*element, msgpack), 0..4)
                .prop_map(Value::Set)
                .boxed(),
            Type::Map(element) => btree_map(arb_name(), arb_value_of(*element, msgpack), 0..4)
                .prop_map(Value::Map)
                .boxed(),
            Type::Object { attrs, .. } => attrs
                .into_iter()
                .map(|(name, ty)| {
                    arb_value_of(ty, msgpack).prop_map(move |value| (name.clone(), value))
                })
                .collect::<Vec<_>>()
                .prop_map(|attrs| Value::Object(attrs.into_iter().collect()))
                .boxed(),
            Type::Tuple(types) => types
                .into_iter()
                .map(|ty| arb_value_of(ty, msgpack))
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
        };
        let mut options = vec![(1, Just(Value::Null).boxed()), (6, known)];
        if msgpack {
            options.push((1, Just(Value::Unknown).boxed()));
        }
        Union::new_weighted(options).boxed()
    }

    /// A random type (dynamic included) and a value of it.
    pub(super) fn arb_typed_value(msgpack: bool) -> impl Strategy<Value = (Type, Value)> {
        arb_type(true).prop_flat_map(move |ty| {
            arb_value_of(ty.clone(), msgpack).prop_map(move |value| (ty.clone(), value))
        })
    }

    /// A data source's shape: an id beside a list of objects.
    pub(super) fn schema_type() -> Type {
        Type::object([
            ("id", Type::String),
            (
                "codes",
                Type::list(Type::object([
                    ("validation_id", Type::String),
                    ("max_creates", Type::Number),
                ])),
            ),
        ])
    }

    fn codes() -> Value {
        Value::object([(
            "codes",
            Value::list([Value::object([
                ("validation_id", Value::string("v1")),
                ("max_creates", Value::number(5)),
                ("active", Value::Bool(true)),
            ])]),
        )])
    }

    #[test]
    fn accessors_read_what_the_provider_needs() {
        let value = codes();
        let code = &value.attr("codes").unwrap().elements().unwrap()[0];
        assert_eq!(code.attr("validation_id").unwrap().as_str(), Some("v1"));
        assert_eq!(code.attr("max_creates").unwrap().as_i64(), Some(5));
        assert_eq!(code.attr("active").unwrap().as_bool(), Some(true));
        assert_eq!(code.attr("missing"), None);
        assert_eq!(Value::Null.attr("codes"), None);
        assert_eq!(Value::string("x").as_i64(), None);
        assert_eq!(
            Value::number("0.5".parse::<Number>().unwrap()).as_i64(),
            None
        );
    }

    #[test]
    fn null_and_unknown_are_seen_through_dynamic_wrappers() {
        let typed_null = Value::Dynamic {
            ty: Type::String,
            value: Box::new(Value::Null),
        };
        let typed_unknown = Value::Dynamic {
            ty: Type::String,
            value: Box::new(Value::Unknown),
        };
        let typed_string = Value::Dynamic {
            ty: Type::String,
            value: Box::new(Value::string("x")),
        };
        assert!(Value::Null.is_null() && typed_null.is_null() && !typed_string.is_null());
        assert!(!Value::Unknown.is_known() && !typed_unknown.is_known() && typed_null.is_known());
        assert_eq!(typed_string.as_str(), Some("x"));
    }

    #[test]
    fn wholly_known_looks_inside() {
        assert!(codes().is_wholly_known());
        assert!(Value::Null.is_wholly_known());
        let partly = Value::object([("a", Value::list([Value::string("x"), Value::Unknown]))]);
        assert!(partly.is_known());
        assert!(!partly.is_wholly_known());
        let in_map = Value::Map([("k".to_owned(), Value::Unknown)].into());
        assert!(!in_map.is_wholly_known());
    }

    #[test]
    fn null_and_unknown_round_trip_at_every_level() {
        let ty = Type::Object {
            attrs: [
                ("s".to_owned(), Type::String),
                ("l".to_owned(), Type::list(Type::Number)),
                ("m".to_owned(), Type::map(Type::Bool)),
                (
                    "t".to_owned(),
                    Type::Tuple(vec![Type::String, Type::Dynamic]),
                ),
                (
                    "o".to_owned(),
                    Type::object([("x", Type::set(Type::String))]),
                ),
                ("d".to_owned(), Type::Dynamic),
            ]
            .into(),
            optional: ["s".to_owned(), "d".to_owned()].into(),
        };
        let nested = |leaf: Value| {
            Value::object([
                ("s", leaf.clone()),
                ("l", Value::list([leaf.clone(), Value::number(1)])),
                ("m", Value::Map([("k".to_owned(), leaf.clone())].into())),
                ("t", Value::Tuple(vec![leaf.clone(), leaf.clone()])),
                (
                    "o",
                    Value::object([("x", Value::Set(vec![leaf.clone(), Value::string("y")]))]),
                ),
                (
                    "d",
                    Value::Dynamic {
                        ty: Type::list(Type::String),
                        value: Box::new(Value::list([leaf])),
                    },
                ),
            ])
        };
        for value in [
            nested(Value::Null),
            nested(Value::Unknown),
            Value::Null,
            Value::Unknown,
        ] {
            let bytes = msgpack::encode(&value, &ty).unwrap();
            assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), value);
        }
        let known = nested(Value::Null);
        assert_eq!(
            json::decode(&json::tests::encode(&known, &ty), &ty).unwrap(),
            known
        );
    }
}
