//! JSON values (raw state, DynamicValue's `json` field) as go-cty's ctyjson reads and writes them.
//!
//! Hand-written rather than serde_json because numbers must keep their exact text (`0.1` is
//! not an `f64`) and output must match Go's `encoding/json` escaping.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, MAX_DEPTH, Number, PathStep, Type,
    Value, walk,
};

/// Decodes JSON as a value of type `ty`. Unlike msgpack, JSON has no unknowns; like go-cty, a
/// primitive may come as a string (`"12"` for a number) and a missing attribute is null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    from_tree(&parse(bytes).map_err(DecodeError::new)?, ty)
}

/// Decodes a stored state of type `ty`: like [`decode`], but object attributes the type lacks
/// are dropped at every depth, so that an attribute removed from a schema never strands a state.
pub fn decode_state(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut tree = parse(bytes).map_err(DecodeError::new)?;
    prune(&mut tree, ty);
    from_tree(&tree, ty)
}

/// Drops the members of JSON objects that the object types of `ty` do not have. Parts that do
/// not fit `ty` are left alone, for decoding to report.
fn prune(tree: &mut Json<'_>, ty: &Type) {
    match (ty, tree) {
        (Type::Object { attrs, .. }, Json::Object(members)) => {
            members.retain(|(name, _)| attrs.contains_key(name.as_ref()));
            for (name, member) in members {
                prune(member, &attrs[name.as_ref()]);
            }
        }
        (Type::List(element) | Type::Set(element), Json::Array(items)) => {
            for item in items {
                prune(item, element);
            }
        }
        (Type::Map(element), Json::Object(members)) => {
            for (_, member) in members {
                prune(member, element);
            }
        }
        (Type::Tuple(types), Json::Array(items)) => {
            for (item, ty) in items.iter_mut().zip(types) {
                prune(item, ty);
            }
        }
        _ => {}
    }
}

/// Encodes a wholly known value of type `ty` as JSON.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    write_value(&mut out, value, ty)?;
    Ok(out)
}

// ---- typed decoding ----

fn from_tree(tree: &Json<'_>, ty: &Type) -> Result<Value, DecodeError> {
    let mismatch = || {
        DecodeError::new(DecodeErrorKind::Mismatch {
            expected: ty.kind(),
            found: tree.kind(),
        })
    };
    Ok(match (ty, tree) {
        (_, Json::Null) => Value::Null,
        (Type::Dynamic, Json::Object(members)) => dynamic_from_tree(members)?,
        (Type::String, Json::String(s)) => Value::String(s.to_string()),
        (Type::String, Json::Number(text)) => Value::String((*text).to_owned()),
        (Type::String, Json::Bool(b)) => Value::String(b.to_string()),
        (Type::Number, Json::Number(text)) => Value::Number(parse_number(text)?),
        (Type::Number, Json::String(text)) => Value::Number(parse_number(text)?),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::Bool, Json::String(s)) => match s.as_ref() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(mismatch()),
        },
        (Type::List(element), Json::Array(items)) => {
            Value::List(walk::elements(items, element, from_tree)?)
        }
        (Type::Set(element), Json::Array(items)) => {
            Value::Set(walk::elements(items, element, from_tree)?)
        }
        (Type::Tuple(types), Json::Array(items)) => {
            if items.len() != types.len() {
                return Err(DecodeError::new(DecodeErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                }));
            }
            let mut values = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                values.push(from_tree(item, ty).map_err(|e| e.under(PathStep::index(i)))?);
            }
            Value::Tuple(values)
        }
        (Type::Map(element), Json::Object(members)) => {
            let mut map = BTreeMap::new();
            for (key, item) in members {
                let value = from_tree(item, element)
                    .map_err(|e| e.under(PathStep::ElementKeyString(key.to_string())))?;
                if map.insert(key.to_string(), value).is_some() {
                    return Err(DecodeError::new(DecodeErrorKind::DuplicateKey(
                        key.to_string(),
                    )));
                }
            }
            Value::Map(map)
        }
        (Type::Object { attrs, .. }, Json::Object(members)) => walk::object(
            members.iter().map(|(name, item)| Ok((name.as_ref(), item))),
            attrs,
            from_tree,
        )?,
        _ => return Err(mismatch()),
    })
}

/// `{"value": …, "type": …}`, in either order, as ctyjson writes a value of dynamic type.
fn dynamic_from_tree(members: &[(Cow<'_, str>, Json<'_>)]) -> Result<Value, DecodeError> {
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
    let ty = ty.ok_or_else(|| DecodeError::new(DecodeErrorKind::Dynamic("missing \"type\"")))?;
    let value =
        value.ok_or_else(|| DecodeError::new(DecodeErrorKind::Dynamic("missing \"value\"")))?;
    let ty = Type::from_tree(ty).map_err(DecodeError::new)?;
    let value = from_tree(value, &ty)?;
    Ok(Value::Dynamic {
        ty,
        value: Box::new(value),
    })
}

fn parse_number(text: &str) -> Result<Number, DecodeError> {
    text.parse().map_err(DecodeError::new)
}

// ---- typed encoding ----

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type) -> Result<(), EncodeError> {
    match (ty, value) {
        (_, Value::Null) => out.extend_from_slice(b"null"),
        (_, Value::Unknown) => return Err(EncodeError::new(EncodeErrorKind::UnknownInJson)),
        (Type::Dynamic, Value::Dynamic { ty, value }) => {
            out.extend_from_slice(br#"{"value":"#);
            write_value(out, value, ty)?;
            out.extend_from_slice(br#","type":"#);
            ty.write_json(out);
            out.push(b'}');
        }
        (Type::Dynamic, _) => return Err(EncodeError::new(EncodeErrorKind::DynamicWithoutType)),
        (Type::String, Value::String(s)) => write_string(out, s),
        (Type::Number, Value::Number(n)) if n.is_infinite() => {
            return Err(EncodeError::new(EncodeErrorKind::InfinityInJson));
        }
        (Type::Number, Value::Number(n)) => out.extend_from_slice(n.to_string().as_bytes()),
        (Type::Bool, Value::Bool(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        (Type::List(element), Value::List(items)) | (Type::Set(element), Value::Set(items)) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, element).map_err(|e| e.under(PathStep::index(i)))?;
            }
            out.push(b']');
        }
        (Type::Tuple(types), Value::Tuple(items)) => {
            if items.len() != types.len() {
                return Err(EncodeError::new(EncodeErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                }));
            }
            out.push(b'[');
            for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, ty).map_err(|e| e.under(PathStep::index(i)))?;
            }
            out.push(b']');
        }
        (Type::Map(element), Value::Map(map)) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_value(out, item, element)
                    .map_err(|e| e.under(PathStep::ElementKeyString(key.clone())))?;
            }
            out.push(b'}');
        }
        (Type::Object { attrs, .. }, Value::Object(object)) => {
            if let Some(extra) = object.keys().find(|name| !attrs.contains_key(*name)) {
                return Err(EncodeError::new(EncodeErrorKind::UnsupportedAttribute(
                    extra.clone(),
                )));
            }
            out.push(b'{');
            for (i, (name, attr_ty)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, name);
                out.push(b':');
                write_value(out, object.get(name).unwrap_or(&Value::Null), attr_ty)
                    .map_err(|e| e.under(PathStep::Attribute(name.clone())))?;
            }
            out.push(b'}');
        }
        _ => {
            return Err(EncodeError::new(EncodeErrorKind::Mismatch {
                expected: ty.kind(),
                found: value.kind(),
            }));
        }
    }
    Ok(())
}

/// Writes a JSON string as Go's `encoding/json` does: `<`, `>`, `&`, U+2028 and U+2029 as
/// `\u` escapes, short escapes where JSON has them, other control characters as `\u00xx`.
pub(super) fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&[u8]> = match c {
            '"' => Some(br#"\""#),
            '\\' => Some(br"\\"),
            '\n' => Some(br"\n"),
            '\r' => Some(br"\r"),
            '\t' => Some(br"\t"),
            '\u{8}' => Some(br"\b"),
            '\u{c}' => Some(br"\f"),
            '\u{2028}' => Some(br"\u2028"),
            '\u{2029}' => Some(br"\u2029"),
            '<' | '>' | '&' | '\0'..='\u{1f}' => None,
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[start..i]);
        match escape {
            Some(escape) => out.extend_from_slice(escape),
            None => {
                let b = c as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + c.len_utf8();
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

// ---- syntax ----

/// A parsed JSON document that still holds numbers as their text.
#[derive(Debug)]
pub(super) enum Json<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Members in document order, duplicates kept, so callers can reject them.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
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
}

/// Bytes that are not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {reason}")]
pub struct SyntaxError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Parses one JSON document (RFC 8259), nested at most [`MAX_DEPTH`] deep.
pub(super) fn parse(bytes: &[u8]) -> Result<Json<'_>, SyntaxError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SyntaxError {
        offset: e.valid_up_to(),
        reason: "invalid UTF-8",
    })?;
    let mut parser = Parser { text, pos: 0 };
    let value = parser.value(MAX_DEPTH)?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.error("unexpected data after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, reason: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), SyntaxError> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'[' | b'{') if depth == 0 => Err(self.error("nesting too deep")),
            Some(b'[') => self.array(depth - 1),
            Some(b'{') => self.object(depth - 1),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Json<'a>) -> Result<Json<'a>, SyntaxError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("unexpected character"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.expect(b':', "expected ':'")?;
            members.push((key, self.value(depth)?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    /// A string starting at the opening quote; borrowed unless it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.pos += 1;
        let mut owned: Option<String> = None;
        let mut start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    let tail = &self.text[start..self.pos];
                    self.pos += 1;
                    return Ok(match owned {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(tail),
                    });
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[start..self.pos]);
                    self.pos += 1;
                    s.push(self.escape()?);
                    start = self.pos;
                }
                Some(0..0x20) => return Err(self.error("control character in string")),
                // Only ASCII bytes stop the scan, so slices stay on character boundaries.
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The character of the escape after a backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                if !(0xd800..0xdc00).contains(&unit) {
                    // A lone low surrogate becomes U+FFFD, as Go decodes it.
                    return Ok(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                let rest = &self.text.as_bytes()[self.pos..];
                if rest.starts_with(br"\u") {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex4()?;
                    if (0xdc00..0xe000).contains(&low) {
                        let c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                        return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    self.pos = save;
                }
                return Ok(char::REPLACEMENT_CHARACTER);
            }
            _ => return Err(self.error("invalid escape")),
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as text.
    fn number(&mut self) -> Result<Json<'a>, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        Ok(Json::Number(&self.text[start..self.pos]))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.digits();
        if self.pos == start {
            Err(self.error("invalid number"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arb_typed_value, arb_value_of, schema_type};
    use super::*;
    use proptest::prelude::*;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::object(attrs.iter().cloned())
    }

    fn encoded(value: &Value, ty: &Type) -> String {
        String::from_utf8(encode(value, ty).unwrap()).unwrap()
    }

    #[test]
    fn writes_what_ctyjson_writes() {
        let ty = obj(&[
            ("a", Type::String),
            ("n", Type::Number),
            ("b", Type::Bool),
            ("z", Type::list(Type::String)),
        ]);
        let value = Value::object([
            ("a", Value::string("x<y")),
            ("n", Value::number(12)),
            ("b", Value::Bool(true)),
        ]);
        assert_eq!(
            encoded(&value, &ty),
            r#"{"a":"x\u003cy","b":true,"n":12,"z":null}"#
        );
        assert_eq!(
            encoded(
                &Value::number("0.1".parse::<Number>().unwrap()),
                &Type::Number
            ),
            "0.1"
        );
        assert_eq!(
            encoded(
                &Value::number(Number::from_f64(1.5).unwrap()),
                &Type::Number
            ),
            "1.5"
        );
        assert_eq!(
            encoded(
                &Value::number(Number::from_f64(1e21).unwrap()),
                &Type::Number
            ),
            "1000000000000000000000"
        );
        assert_eq!(
            encoded(
                &Value::Map([("k".into(), Value::string("v"))].into()),
                &Type::map(Type::String)
            ),
            r#"{"k":"v"}"#
        );
        assert_eq!(
            encoded(
                &Value::Tuple(vec![Value::Bool(false), Value::Null]),
                &Type::Tuple(vec![Type::Bool, Type::String])
            ),
            "[false,null]"
        );
        assert_eq!(
            encoded(
                &Value::Dynamic {
                    ty: Type::list(Type::String),
                    value: Box::new(Value::list([Value::string("a")])),
                },
                &Type::Dynamic
            ),
            r#"{"value":["a"],"type":["list","string"]}"#
        );
        assert_eq!(encoded(&Value::Null, &Type::Dynamic), "null");
        assert_eq!(
            encoded(
                &Value::string("\u{1}\u{8}\u{c}\"\\/\u{2028}é&>"),
                &Type::String
            ),
            r#""\u0001\b\f\"\\/\u2028é\u0026\u003e""#
        );
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
        assert_eq!(
            decode(b"123456789012345678901234567890", &Type::Number)
                .unwrap()
                .as_i64(),
            None
        );
        // Like go-cty, a float is written as its shortest text, which reads back as that decimal.
        let float = Value::number(Number::from_f64(0.1).unwrap());
        assert_eq!(
            decode(&encode(&float, &Type::Number).unwrap(), &Type::Number).unwrap(),
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
    fn encode_rejects_what_json_cannot_hold() {
        let err = encode(
            &Value::object([("a", Value::Unknown)]),
            &obj(&[("a", Type::String)]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "at a: unknown values cannot be written as JSON"
        );
        let inf = Value::number(Number::from_f64(f64::INFINITY).unwrap());
        assert!(matches!(
            encode(&inf, &Type::Number).unwrap_err().kind,
            EncodeErrorKind::InfinityInJson
        ));
        assert!(matches!(
            encode(&Value::string("x"), &Type::Dynamic)
                .unwrap_err()
                .kind,
            EncodeErrorKind::DynamicWithoutType
        ));
        let err = encode(&Value::list([Value::number(1)]), &Type::list(Type::String)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at [0]: expected string value, found number"
        );
    }

    #[test]
    fn malformed_json_is_an_error() {
        for bad in [
            &b""[..],
            b"{",
            b"[1,]",
            b"[1 2]",
            b"{\"a\" 1}",
            b"{\"a\":1,}",
            b"01",
            b"1.",
            b"-",
            b"1e",
            b"\"abc",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\x01\"",
            b"tru",
            b"nul",
            b"[1] 2",
            b"\xff",
            b"NaN",
        ] {
            assert!(
                decode(bad, &Type::Dynamic).is_err(),
                "{} decoded",
                String::from_utf8_lossy(bad)
            );
            assert!(
                decode(bad, &Type::list(Type::Number)).is_err(),
                "{} decoded",
                String::from_utf8_lossy(bad)
            );
        }
        let err = decode(b"[1, x]", &Type::list(Type::Number)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON at byte 4: unexpected character"
        );
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
            let bytes = encode(&value, &ty).unwrap();
            prop_assert_eq!(decode(&bytes, &ty).unwrap(), value);
        }

        #[test]
        fn strings_round_trip(s in any::<String>()) {
            let bytes = encode(&Value::string(s.clone()), &Type::String).unwrap();
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
            prop_assert_eq!(decode(&encode(&value, &ty).unwrap(), &ty).unwrap(), value);
        }
    }
}
