//! Typed state: resources and data sources read and write plain Rust structs, not [`Value`]s.
//!
//! [`object!`](crate::object) declares a struct once — attribute names, types, presence, flags
//! and descriptions together — and derives from that one declaration both the schema
//! attributes Terraform sees and the conversion to and from [`Value`]. The schema and the
//! struct therefore cannot disagree: there is nothing to keep in step by hand.
//!
//! Every attribute is an [`Attr`]: known, null or unknown, so no code can forget that a
//! configuration value may be unknown until apply.

use crate::protocol::value::Number;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics, Type, Value};

/// An attribute's value as Terraform has it: known, null, or not known until apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attr<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Attr<T> {
    /// The value when it is known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(value) => Some(value),
            Attr::Null | Attr::Unknown => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }

    /// Null for `None`.
    pub fn from_option(value: Option<T>) -> Self {
        value.map_or(Attr::Null, Attr::Known)
    }

    pub fn as_ref(&self) -> Attr<&T> {
        match self {
            Attr::Null => Attr::Null,
            Attr::Unknown => Attr::Unknown,
            Attr::Known(value) => Attr::Known(value),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Null => Attr::Null,
            Attr::Unknown => Attr::Unknown,
            Attr::Known(value) => Attr::Known(f(value)),
        }
    }
}

impl Attr<String> {
    /// The known string, borrowed.
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

impl<T> From<T> for Attr<T> {
    fn from(value: T) -> Self {
        Attr::Known(value)
    }
}

/// A value that does not have the type the schema gives it. Values are decoded with the
/// schema's own type before they reach typed code, so this means a provider bug, reported as
/// a diagnostic rather than a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} at {path}, found a {found}")]
pub struct TypedError {
    pub path: AttributePath,
    pub expected: &'static str,
    pub found: &'static str,
}

impl From<TypedError> for Diagnostic {
    fn from(error: TypedError) -> Self {
        Diagnostic::error(
            "Value does not fit the schema",
            format!("{error}. This is a bug in the provider; please report it."),
        )
        .at(error.path)
    }
}

/// A Rust type an attribute can hold, with its Terraform type.
pub trait AttrValue: Sized {
    fn ty() -> Type;
    /// Decodes a known, non-null value.
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, TypedError>;
    fn encode(&self) -> Value;
}

fn mismatch(path: &AttributePath, expected: &'static str, value: &Value) -> TypedError {
    TypedError {
        path: path.clone(),
        expected,
        found: value.kind(),
    }
}

/// The scalar attribute types, one a row: the Rust type, its value type, how it is read from a
/// [`Value`] (and what a value that is not one is told it should have been), and how it is
/// written.
macro_rules! scalars {
    ($($rust:ty: $ty:expr, $expected:literal, $read:expr, $write:expr;)*) => {
        $(impl AttrValue for $rust {
            fn ty() -> Type {
                $ty
            }

            fn decode(value: &Value, path: &AttributePath) -> Result<Self, TypedError> {
                $read(value).ok_or_else(|| mismatch(path, $expected, value))
            }

            fn encode(&self) -> Value {
                $write(self)
            }
        })*
    };
}

scalars! {
    String: Type::String, "a string",
        |v: &Value| v.as_str().map(str::to_owned), |s: &String| Value::string(s);
    i64: Type::Number, "a whole number", Value::as_i64, |n: &i64| Value::number(*n);
    Number: Type::Number, "a number",
        |v: &Value| v.as_number().cloned(), |n: &Number| Value::Number(n.clone());
    bool: Type::Bool, "a bool", Value::as_bool, |b: &bool| Value::Bool(*b);
}

/// A list whose elements are all known and not null (what this provider's lists hold).
impl<T: AttrValue> AttrValue for Vec<T> {
    fn ty() -> Type {
        Type::list(T::ty())
    }

    fn decode(value: &Value, path: &AttributePath) -> Result<Self, TypedError> {
        let elements = value
            .elements()
            .ok_or_else(|| mismatch(path, "a list", value))?;
        elements
            .iter()
            .enumerate()
            .map(|(i, element)| {
                let path = path.clone().index(i64::try_from(i).unwrap_or(i64::MAX));
                if element.is_null() || !element.is_known() {
                    return Err(mismatch(&path, "a known element", element));
                }
                T::decode(element, &path)
            })
            .collect()
    }

    fn encode(&self) -> Value {
        Value::list(self.iter().map(AttrValue::encode))
    }
}

impl<T: AttrValue> Attr<T> {
    /// Decodes one attribute; a missing attribute is null, as Terraform treats it.
    pub fn decode(value: Option<&Value>, path: &AttributePath) -> Result<Self, TypedError> {
        match value {
            None => Ok(Attr::Null),
            Some(v) if v.is_null() => Ok(Attr::Null),
            Some(v) if !v.is_known() => Ok(Attr::Unknown),
            Some(v) => T::decode(v, path).map(Attr::Known),
        }
    }

    pub fn encode(&self) -> Value {
        match self {
            Attr::Null => Value::Null,
            Attr::Unknown => Value::Unknown,
            Attr::Known(value) => value.encode(),
        }
    }
}

/// A function of a typed object, taking the [`Value`] of its argument.
pub(crate) type OfValue<S> = Box<dyn Fn(&Value) -> Result<S, Diagnostics> + Send + Sync>;

/// `f`, taking its argument as a [`Value`]: one that does not decode as an `O` is an error.
pub(crate) fn of_value<O: Object, S>(
    f: impl Fn(O) -> Result<S, Diagnostics> + Send + Sync + 'static,
) -> OfValue<S> {
    Box::new(move |value| f(O::from_value(value).map_err(Diagnostic::from)?))
}

/// A struct declared with [`object!`](crate::object): a whole config, plan or state, or an
/// object nested in one.
pub trait Object: AttrValue + Clone + Send + Sync + 'static {
    /// The schema attributes, in declaration order.
    fn attributes() -> Vec<crate::protocol::Attribute>;

    /// Decodes a known, non-null object value.
    fn from_value(value: &Value) -> Result<Self, TypedError> {
        Self::decode(value, &AttributePath::root())
    }

    fn to_value(&self) -> Value {
        self.encode()
    }
}

/// Declares a typed object: the struct, its attribute names, and the schema attributes.
///
/// ```ignore
/// object! {
///     #[names(StateNames)]
///     pub struct State {
///         id: String => Computed("The id."),
///         token: String => Optional("A secret.").sensitive(),
///     }
/// }
/// ```
///
/// gives `State { id: Attr<String>, token: Attr<String> }`, implements [`Object`] for it, and
/// `State::NAMES.token == "token"`, so diagnostics can point at an attribute without writing
/// its name a second time. The presence is a [`Presence`](crate::protocol::Presence) variant;
/// the flags are [`Attribute`](crate::protocol::Attribute)'s builder methods.
#[macro_export]
macro_rules! object {
    (
        #[names($names:ident)]
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $field:ident : $ty:ty => $presence:ident ( $description:expr ) $( . $flag:ident () )*
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $( $vis $field: $crate::framework::Attr<$ty>, )*
        }

        /// The attribute names of the object, each written once (in its declaration); only
        /// the ones diagnostics point at are read.
        #[allow(dead_code)]
        #[derive(Debug, Clone, Copy)]
        $vis struct $names {
            $( $vis $field: &'static str, )*
        }

        impl $name {
            /// The name of each attribute.
            #[allow(dead_code)]
            $vis const NAMES: $names = $names { $( $field: stringify!($field), )* };
        }

        impl $crate::framework::AttrValue for $name {
            fn ty() -> $crate::protocol::Type {
                $crate::protocol::Type::object([
                    $( (stringify!($field), <$ty as $crate::framework::AttrValue>::ty()), )*
                ])
            }

            fn decode(
                value: &$crate::protocol::Value,
                path: &$crate::protocol::AttributePath,
            ) -> Result<Self, $crate::framework::TypedError> {
                if value.as_object().is_none() {
                    return Err($crate::framework::TypedError {
                        path: path.clone(),
                        expected: "an object",
                        found: value.kind(),
                    });
                }
                Ok(Self {
                    $(
                        $field: $crate::framework::Attr::decode(
                            value.attr(stringify!($field)),
                            &path.clone().attr(stringify!($field)),
                        )?,
                    )*
                })
            }

            fn encode(&self) -> $crate::protocol::Value {
                $crate::protocol::Value::object([
                    $( (stringify!($field), self.$field.encode()), )*
                ])
            }
        }

        impl $crate::framework::Object for $name {
            fn attributes() -> Vec<$crate::protocol::Attribute> {
                vec![
                    $(
                        $crate::protocol::Attribute::new(
                            stringify!($field),
                            <$ty as $crate::framework::AttrValue>::ty(),
                            $crate::protocol::Presence::$presence,
                            $description,
                        ) $( .$flag() )*,
                    )*
                ]
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Presence, Schema};

    crate::object! {
        #[names(InnerNames)]
        struct Inner {
            n: i64 => Computed("A number."),
        }
    }

    crate::object! {
        #[names(ThingNames)]
        /// A toy object with every kind of attribute.
        struct Thing {
            id: String => Computed("The id."),
            name: String => Required("The name."),
            secret: String => Optional("A secret.").sensitive(),
            on: bool => OptionalComputed("A switch."),
            items: Vec<Inner> => Computed("Nested objects."),
        }
    }

    fn sample() -> Thing {
        Thing {
            id: Attr::Null,
            name: "a".to_owned().into(),
            secret: Attr::Unknown,
            on: true.into(),
            items: Attr::Known(vec![Inner { n: 3.into() }]),
        }
    }

    #[test]
    fn schema_attributes_come_from_the_declaration() {
        let attributes = Thing::attributes();
        let names: Vec<_> = attributes.iter().map(|a| a.name).collect();
        assert_eq!(names, ["id", "name", "secret", "on", "items"]);
        assert_eq!(attributes[1].presence, Presence::Required);
        assert!(attributes[2].sensitive && !attributes[1].sensitive);
        assert_eq!(attributes[3].presence, Presence::OptionalComputed);
        assert_eq!(
            attributes[4].ty,
            Type::list(Type::object([("n", Type::Number)]))
        );
        assert_eq!(Thing::NAMES.secret, "secret");
        // The value type Terraform decodes with is the struct's own type.
        let schema = Schema {
            version: 0,
            description: "",
            attributes,
        };
        assert_eq!(schema.value_type(), Thing::ty());
    }

    #[test]
    fn values_round_trip_with_null_and_unknown() {
        let thing = sample();
        let value = thing.to_value();
        assert_eq!(value.attr("id"), Some(&Value::Null));
        assert_eq!(value.attr("secret"), Some(&Value::Unknown));
        assert_eq!(Thing::from_value(&value), Ok(thing));
        // What the codec produces for this type encodes and decodes the same way.
        let bytes = crate::protocol::value::msgpack::encode(&value, &Thing::ty()).unwrap();
        let decoded = crate::protocol::value::msgpack::decode(&bytes, &Thing::ty()).unwrap();
        assert_eq!(Thing::from_value(&decoded), Ok(sample()));
    }

    #[test]
    fn missing_attributes_read_as_null() {
        let thing = Thing::from_value(&Value::object([("name", Value::string("x"))])).unwrap();
        assert_eq!(thing.name.as_str(), Some("x"));
        assert!(thing.id.is_null() && thing.items.is_null());
    }

    #[test]
    fn wrong_types_are_errors_at_their_path() {
        let bad = Value::object([(
            "items",
            Value::list([Value::object([("n", Value::string("x"))])]),
        )]);
        let err = Thing::from_value(&bad).unwrap_err();
        assert_eq!(
            err.path,
            AttributePath::root().attr("items").index(0).attr("n")
        );
        assert_eq!((err.expected, err.found), ("a whole number", "string"));
        let diagnostic = Diagnostic::from(err);
        assert_eq!(diagnostic.path.unwrap().to_string(), "items[0].n");

        let err = Thing::from_value(&Value::string("x")).unwrap_err();
        assert_eq!((err.expected, err.found), ("an object", "string"));
        let null_element = Value::object([("items", Value::list([Value::Null]))]);
        assert_eq!(
            Thing::from_value(&null_element).unwrap_err().path,
            AttributePath::root().attr("items").index(0)
        );
    }

    #[test]
    fn attr_helpers() {
        let known: Attr<String> = "x".to_owned().into();
        assert_eq!(known.as_str(), Some("x"));
        assert_eq!(known.clone().map(|s| s.len()), Attr::Known(1));
        assert_eq!(Attr::<String>::Unknown.map(|s| s.len()), Attr::Unknown);
        assert!(Attr::<i64>::from_option(None).is_null());
        assert!(Attr::<i64>::Unknown.is_unknown());
        assert_eq!(Attr::Known(2).as_ref().known(), Some(&&2));
    }
}
