//! The one type-directed walk from a parsed document to a [`Value`], shared by msgpack and
//! JSON: the type decides what is read next, and an encoding only says how one of its nodes
//! reads as each leaf and collection. So both enforce the same rules (tuple lengths, unknown
//! and repeated names, missing attributes as null) and put the same paths on their errors.

use std::collections::BTreeMap;
use std::iter;

use super::{DecodeError, DecodeErrorKind, Number, PathStep, Type, Value};

/// A node of a parsed document, read the ways the walk asks. A reading that does not apply to
/// the node answers `None`, which the walk reports as a mismatch naming [`Self::kind`]; an
/// error is a node of a fitting form with contents that are not a value (bad UTF-8, a
/// malformed number).
pub(super) trait Node: Sized {
    /// What the node is, in its encoding's words, for mismatch errors.
    fn kind(&self) -> &'static str;

    /// [`Value::Null`] or [`Value::Unknown`], when the node is one: either fits every type.
    fn null_or_unknown(&self) -> Option<Value>;

    fn string(&self) -> Result<Option<String>, DecodeError>;

    fn number(&self) -> Result<Option<Number>, DecodeError>;

    fn boolean(&self) -> Option<bool>;

    /// The elements of a list, set or tuple.
    fn elements(&self) -> Option<&[Self]>;

    /// The members of a map or object in document order, repeated names included; a key that
    /// cannot be a name is an error when the walk reaches it.
    fn members(&self) -> Option<impl Iterator<Item = Result<(&str, &Self), DecodeError>>>;

    /// A value of dynamic type: the concrete type it carries and the node holding the value.
    fn dynamic(&self) -> Result<Option<(Type, &Self)>, DecodeError>;
}

/// What to do with an object attribute the type lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Extra {
    Refuse,
    /// Skip it, its value unread: a stored state may hold an attribute its schema has dropped.
    /// Inside a value of dynamic type, which carries its own type, extras are still refused.
    Ignore,
}

/// Reads `node` as a value of type `ty`.
pub(super) fn decode<N: Node>(node: &N, ty: &Type, extra: Extra) -> Result<Value, DecodeError> {
    if let Some(value) = node.null_or_unknown() {
        return Ok(value);
    }
    let mismatch = || {
        DecodeError::new(DecodeErrorKind::Mismatch {
            expected: ty.kind(),
            found: node.kind(),
        })
    };
    Ok(match ty {
        Type::String => Value::String(node.string()?.ok_or_else(mismatch)?),
        Type::Number => Value::Number(node.number()?.ok_or_else(mismatch)?),
        Type::Bool => Value::Bool(node.boolean().ok_or_else(mismatch)?),
        Type::Dynamic => {
            let (ty, value) = node.dynamic()?.ok_or_else(mismatch)?;
            let value = decode(value, &ty, Extra::Refuse)?;
            Value::Dynamic {
                ty,
                value: Box::new(value),
            }
        }
        Type::List(element) => {
            let items = node.elements().ok_or_else(mismatch)?;
            Value::List(elements(items, iter::repeat(&**element), extra)?)
        }
        Type::Set(element) => {
            let items = node.elements().ok_or_else(mismatch)?;
            Value::Set(elements(items, iter::repeat(&**element), extra)?)
        }
        Type::Tuple(types) => {
            let items = node.elements().ok_or_else(mismatch)?;
            if items.len() != types.len() {
                return Err(DecodeError::new(DecodeErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                }));
            }
            Value::Tuple(elements(items, types.iter(), extra)?)
        }
        Type::Map(element) => {
            let members = node.members().ok_or_else(mismatch)?;
            Value::Map(named(
                members,
                |_| Ok(Some(element)),
                extra,
                PathStep::ElementKeyString,
            )?)
        }
        Type::Object { attrs, .. } => {
            let members = node.members().ok_or_else(mismatch)?;
            let attr_type = |name: &str| match (attrs.get(name), extra) {
                (Some(ty), _) => Ok(Some(ty)),
                (None, Extra::Ignore) => Ok(None),
                (None, Extra::Refuse) => Err(DecodeError::new(
                    DecodeErrorKind::UnsupportedAttribute(name.to_owned()),
                )),
            };
            let mut object = named(members, attr_type, extra, PathStep::Attribute)?;
            for name in attrs.keys() {
                object.entry(name.clone()).or_insert(Value::Null);
            }
            Value::Object(object)
        }
    })
}

/// Reads list, set and tuple elements, each as the type beside it, putting the index of a
/// failing one on its path.
fn elements<'t, N: Node>(
    items: &[N],
    types: impl Iterator<Item = &'t Type>,
    extra: Extra,
) -> Result<Vec<Value>, DecodeError> {
    // A loop rather than iterator adapters: fewer stack frames per nesting level.
    let mut values = Vec::with_capacity(items.len());
    for (i, (item, ty)) in items.iter().zip(types).enumerate() {
        values.push(decode(item, ty, extra).map_err(|e| e.under(PathStep::index(i)))?);
    }
    Ok(values)
}

/// Reads map or object members by name: `member_type` gives a member's type, or `None` to skip
/// it, and `step` its place on an error's path; a repeated name is an error.
fn named<'n, 't, N: Node + 'n>(
    members: impl Iterator<Item = Result<(&'n str, &'n N), DecodeError>>,
    member_type: impl Fn(&str) -> Result<Option<&'t Type>, DecodeError>,
    extra: Extra,
    step: fn(String) -> PathStep,
) -> Result<BTreeMap<String, Value>, DecodeError> {
    let mut values = BTreeMap::new();
    for member in members {
        let (name, item) = member?;
        let Some(ty) = member_type(name)? else {
            continue;
        };
        let value = decode(item, ty, extra).map_err(|e| e.under(step(name.to_owned())))?;
        if values.insert(name.to_owned(), value).is_some() {
            return Err(DecodeError::new(DecodeErrorKind::DuplicateKey(
                name.to_owned(),
            )));
        }
    }
    Ok(values)
}
