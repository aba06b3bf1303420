//! cty types and their JSON form, byte for byte as go-cty writes it (schemas carry it).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::json::{self, Json, SyntaxError};
use crate::quote::quote;

/// A Terraform (cty) type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type, decided per value (`DynamicPseudoType`).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attrs: BTreeMap<String, Type>,
        /// Attributes a module author may leave out; they only matter to type conversion.
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

/// Type JSON that go-cty would not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    #[error("unknown type name {}", quote(.0))]
    UnknownName(String),
    #[error("unknown type kind {}", quote(.0))]
    UnknownKind(String),
    #[error("malformed type description: {0}")]
    Malformed(&'static str),
    #[error("duplicate object attribute {}", quote(.0))]
    DuplicateAttribute(String),
    #[error("optional attribute {} is not an attribute of the object", quote(.0))]
    UnknownOptional(String),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type with no optional attributes.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// The type as JSON, e.g. `["list",["object",{"a":"string"}]]`: what schema attributes'
    /// `type` field and dynamic values carry.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    /// Reads type JSON as go-cty's `Type.UnmarshalJSON` does.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeError> {
        Type::from_tree(&json::parse(bytes)?)
    }

    pub(super) fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Type::String => out.extend_from_slice(br#""string""#),
            Type::Number => out.extend_from_slice(br#""number""#),
            Type::Bool => out.extend_from_slice(br#""bool""#),
            Type::Dynamic => out.extend_from_slice(br#""dynamic""#),
            Type::List(element) => write_collection(out, "list", element),
            Type::Set(element) => write_collection(out, "set", element),
            Type::Map(element) => write_collection(out, "map", element),
            Type::Object { attrs, optional } => {
                // Go's encoding/json writes map keys sorted, as the BTreeMap iterates.
                out.extend_from_slice(br#"["object",{"#);
                for (i, (name, ty)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::write_string(out, name);
                    out.push(b':');
                    ty.write_json(out);
                }
                out.push(b'}');
                if !optional.is_empty() {
                    out.extend_from_slice(b",[");
                    for (i, name) in optional.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        json::write_string(out, name);
                    }
                    out.push(b']');
                }
                out.push(b']');
            }
            Type::Tuple(elements) => {
                out.extend_from_slice(br#"["tuple",["#);
                for (i, ty) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    ty.write_json(out);
                }
                out.extend_from_slice(b"]]");
            }
        }
    }

    pub(super) fn from_tree(tree: &Json<'_>) -> Result<Type, TypeError> {
        let items = match tree {
            Json::String(name) => {
                return match name.as_ref() {
                    "string" => Ok(Type::String),
                    "number" => Ok(Type::Number),
                    "bool" => Ok(Type::Bool),
                    "dynamic" => Ok(Type::Dynamic),
                    other => Err(TypeError::UnknownName(other.to_owned())),
                };
            }
            Json::Array(items) => items,
            _ => {
                return Err(TypeError::Malformed(
                    "expected a type name or a [kind, ...] array",
                ));
            }
        };
        let Some((Json::String(kind), rest)) = items.split_first() else {
            return Err(TypeError::Malformed(
                "a complex type must start with its kind name",
            ));
        };
        match (kind.as_ref(), rest) {
            ("list", [element]) => Ok(Type::list(Type::from_tree(element)?)),
            ("set", [element]) => Ok(Type::set(Type::from_tree(element)?)),
            ("map", [element]) => Ok(Type::map(Type::from_tree(element)?)),
            ("list" | "set" | "map", _) => Err(TypeError::Malformed(
                "a collection type needs exactly one element type",
            )),
            ("object", [Json::Object(members)]) => object_from_tree(members, &[]),
            ("object", [Json::Object(members), Json::Array(optional)]) => {
                object_from_tree(members, optional)
            }
            ("object", _) => Err(TypeError::Malformed(
                "an object type needs an attribute map, then optionally a list of names",
            )),
            ("tuple", [Json::Array(elements)]) => Ok(Type::Tuple(
                elements
                    .iter()
                    .map(Type::from_tree)
                    .collect::<Result<_, _>>()?,
            )),
            ("tuple", _) => Err(TypeError::Malformed(
                "a tuple type needs a list of element types",
            )),
            (other, _) => Err(TypeError::UnknownKind(other.to_owned())),
        }
    }

    /// A short name for error messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Number => "number",
            Type::Bool => "bool",
            Type::Dynamic => "dynamic",
            Type::List(_) => "list",
            Type::Set(_) => "set",
            Type::Map(_) => "map",
            Type::Object { .. } => "object",
            Type::Tuple(_) => "tuple",
        }
    }
}

fn write_collection(out: &mut Vec<u8>, kind: &str, element: &Type) {
    out.extend_from_slice(b"[\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",");
    element.write_json(out);
    out.push(b']');
}

fn object_from_tree(
    members: &[(Cow<'_, str>, Json<'_>)],
    optional: &[Json<'_>],
) -> Result<Type, TypeError> {
    let mut attrs = BTreeMap::new();
    for (name, ty) in members {
        if attrs
            .insert(name.to_string(), Type::from_tree(ty)?)
            .is_some()
        {
            return Err(TypeError::DuplicateAttribute(name.to_string()));
        }
    }
    let optional = optional
        .iter()
        .map(|name| match name {
            Json::String(name) if attrs.contains_key(name.as_ref()) => Ok(name.to_string()),
            Json::String(name) => Err(TypeError::UnknownOptional(name.to_string())),
            _ => Err(TypeError::Malformed(
                "optional attribute names must be strings",
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(Type::Object { attrs, optional })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(ty: &Type) -> String {
        String::from_utf8(ty.to_json()).unwrap()
    }

    #[test]
    fn writes_exactly_what_go_cty_writes() {
        assert_eq!(json(&Type::String), r#""string""#);
        assert_eq!(json(&Type::Number), r#""number""#);
        assert_eq!(json(&Type::Bool), r#""bool""#);
        assert_eq!(json(&Type::Dynamic), r#""dynamic""#);
        assert_eq!(json(&Type::list(Type::String)), r#"["list","string"]"#);
        assert_eq!(json(&Type::set(Type::Number)), r#"["set","number"]"#);
        assert_eq!(json(&Type::map(Type::Bool)), r#"["map","bool"]"#);
        assert_eq!(
            json(&Type::object([("a", Type::String)])),
            r#"["object",{"a":"string"}]"#
        );
        assert_eq!(
            json(&Type::object([
                ("b", Type::Number),
                ("a", Type::list(Type::String))
            ])),
            r#"["object",{"a":["list","string"],"b":"number"}]"#
        );
        assert_eq!(json(&Type::object::<String>([])), r#"["object",{}]"#);
        let with_optional = Type::Object {
            attrs: [
                ("z".to_owned(), Type::String),
                ("a".to_owned(), Type::Bool),
                ("m".to_owned(), Type::Number),
            ]
            .into(),
            optional: ["z".to_owned(), "a".to_owned()].into(),
        };
        assert_eq!(
            json(&with_optional),
            r#"["object",{"a":"bool","m":"number","z":"string"},["a","z"]]"#
        );
        assert_eq!(
            json(&Type::Tuple(vec![Type::String, Type::Dynamic])),
            r#"["tuple",["string","dynamic"]]"#
        );
        assert_eq!(json(&Type::Tuple(vec![])), r#"["tuple",[]]"#);
        // Go's encoding/json escapes HTML characters in object keys too.
        assert_eq!(
            json(&Type::object([("<&>", Type::String)])),
            r#"["object",{"\u003c\u0026\u003e":"string"}]"#
        );
    }

    #[test]
    fn reads_back_what_it_writes() {
        let types = [
            Type::String,
            Type::Dynamic,
            Type::list(Type::set(Type::map(Type::Number))),
            Type::Object {
                attrs: [
                    ("a".to_owned(), Type::String),
                    ("b".to_owned(), Type::Tuple(vec![Type::Bool])),
                ]
                .into(),
                optional: ["b".to_owned()].into(),
            },
            Type::Tuple(vec![]),
            Type::object([("k\"ey\n", Type::Dynamic)]),
        ];
        for ty in types {
            assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
        }
    }

    #[test]
    fn reads_whitespace_and_any_key_order() {
        assert_eq!(
            Type::from_json(br#" [ "object" , { "b" : "string" , "a" : [ "list" , "bool" ] } ] "#)
                .unwrap(),
            Type::object([("a", Type::list(Type::Bool)), ("b", Type::String)])
        );
    }

    /// Each refusal names its own reason, so none passes by failing on something else.
    #[test]
    fn rejects_what_go_cty_rejects() {
        let malformed = |what| format!("malformed type description: {what}");
        let one_element = malformed("a collection type needs exactly one element type");
        for (bad, message) in [
            (
                &b""[..],
                "invalid JSON at byte 0: unexpected end of input".to_owned(),
            ),
            (
                b"string",
                "invalid JSON at byte 0: unexpected character".to_owned(),
            ),
            (br#""int""#, r#"unknown type name "int""#.to_owned()),
            (br#"["list"]"#, one_element.clone()),
            (br#"["list","string","string"]"#, one_element),
            (
                br#"["object"]"#,
                malformed("an object type needs an attribute map, then optionally a list of names"),
            ),
            (
                br#"["object",{"a":"string"},["b"]]"#,
                r#"optional attribute "b" is not an attribute of the object"#.to_owned(),
            ),
            (
                br#"["object",{"a":"string","a":"bool"}]"#,
                r#"duplicate object attribute "a""#.to_owned(),
            ),
            (
                br#"["tuple","string"]"#,
                malformed("a tuple type needs a list of element types"),
            ),
            (
                br#"["array","string"]"#,
                r#"unknown type kind "array""#.to_owned(),
            ),
            (
                br#"[1,"string"]"#,
                malformed("a complex type must start with its kind name"),
            ),
            (
                br#""string" "string""#,
                "invalid JSON at byte 9: unexpected data after the value".to_owned(),
            ),
            (
                br#"{"list":"string"}"#,
                malformed("expected a type name or a [kind, ...] array"),
            ),
        ] {
            assert_eq!(
                Type::from_json(bad).map_err(|e| e.to_string()),
                Err(message),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}\"string\"{}",
            "[\"list\",".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(
            Type::from_json(deep.as_bytes()),
            Err(TypeError::Syntax(SyntaxError {
                reason: "nesting too deep",
                ..
            }))
        ));
    }
}
