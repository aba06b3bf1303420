//! The collection walks the msgpack and JSON decoders share, so both enforce the same rules.

use std::collections::BTreeMap;

use super::{DecodeError, DecodeErrorKind, PathStep, Type, Value};

/// Decodes list, set and tuple elements, putting the index of a failing one on its path.
pub(super) fn elements<T>(
    items: &[T],
    element: &Type,
    decode: impl Fn(&T, &Type) -> Result<Value, DecodeError>,
) -> Result<Vec<Value>, DecodeError> {
    // A loop rather than iterator adapters: fewer stack frames per nesting level.
    let mut values = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        values.push(decode(item, element).map_err(|e| e.under(PathStep::index(i)))?);
    }
    Ok(values)
}

/// Decodes an object's members: a name the type lacks or a repeated name is an error, and an
/// attribute the payload leaves out is null.
pub(super) fn object<'m, T: 'm>(
    members: impl IntoIterator<Item = Result<(&'m str, &'m T), DecodeError>>,
    attrs: &BTreeMap<String, Type>,
    decode: impl Fn(&T, &Type) -> Result<Value, DecodeError>,
) -> Result<Value, DecodeError> {
    let mut object = BTreeMap::new();
    for member in members {
        let (name, item) = member?;
        let Some(attr_ty) = attrs.get(name) else {
            return Err(DecodeError::new(DecodeErrorKind::UnsupportedAttribute(
                name.to_owned(),
            )));
        };
        let value =
            decode(item, attr_ty).map_err(|e| e.under(PathStep::Attribute(name.to_owned())))?;
        if object.insert(name.to_owned(), value).is_some() {
            return Err(DecodeError::new(DecodeErrorKind::DuplicateKey(
                name.to_owned(),
            )));
        }
    }
    for name in attrs.keys() {
        object.entry(name.clone()).or_insert(Value::Null);
    }
    Ok(Value::Object(object))
}
