//! JSON syntax (RFC 8259): bytes to a tree that keeps numbers as their text, nested at most
//! [`MAX_DEPTH`] deep. What the tree means is for the decoder and the type reader.

use std::borrow::Cow;

use super::super::MAX_DEPTH;

/// A parsed JSON document that still holds numbers as their text.
#[derive(Debug)]
pub(in crate::protocol::value) enum Json<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Members in document order, duplicates kept, so callers can reject them.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Bytes that are not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {reason}")]
pub struct SyntaxError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Parses one JSON document (RFC 8259), nested at most [`MAX_DEPTH`] deep.
pub(in crate::protocol::value) fn parse(bytes: &[u8]) -> Result<Json<'_>, SyntaxError> {
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
        let mut items = Vec::new();
        self.sequence(b']', "expected ',' or ']'", |parser| {
            items.push(parser.value(depth)?);
            Ok(())
        })?;
        Ok(Json::Array(items))
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        let mut members = Vec::new();
        self.sequence(b'}', "expected ',' or '}'", |parser| {
            parser.skip_whitespace();
            if parser.peek() != Some(b'"') {
                return Err(parser.error("expected a string key"));
            }
            let key = parser.string()?;
            parser.expect(b':', "expected ':'")?;
            members.push((key, parser.value(depth)?));
            Ok(())
        })?;
        Ok(Json::Object(members))
    }

    /// From the opening bracket past the `close` one: no entries, or entries `entry` reads
    /// separated by commas.
    fn sequence(
        &mut self,
        close: u8,
        expected: &'static str,
        mut entry: impl FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            entry(self)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(byte) if byte == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error(expected)),
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
    use super::*;

    /// Each malformed document beside the near miss that is JSON, so that a parser refusing
    /// too much fails here as surely as one accepting too much.
    #[test]
    fn refuses_what_is_not_json_and_says_where() {
        for (bad, offset, reason, good) in [
            (&b""[..], 0, "unexpected end of input", &b"[]"[..]),
            (b"{", 1, "expected a string key", b"{}"),
            (b"[1,]", 3, "unexpected character", b"[1]"),
            (b"[1 2]", 3, "expected ',' or ']'", b"[1, 2]"),
            (b"{\"a\" 1}", 5, "expected ':'", b"{\"a\" :1}"),
            (b"{\"a\":1,}", 7, "expected a string key", b"{\"a\":1}"),
            (b"{\"a\":1]", 6, "expected ',' or '}'", b"{\"a\":[1]}"),
            (b"{1:1}", 1, "expected a string key", b"{\"1\":1}"),
            (b"01", 1, "unexpected data after the value", b"0"),
            (b"1.", 2, "invalid number", b"1.0"),
            (b"-", 1, "invalid number", b"-1"),
            (b"+1", 0, "unexpected character", b"1"),
            (b"1e", 2, "invalid number", b"1e0"),
            (b"\"abc", 4, "unterminated string", b"\"abc\""),
            (b"\"\\x\"", 2, "invalid escape", b"\"\\/\""),
            (b"\"\\u12\"", 3, "invalid \\u escape", b"\"\\u0012\""),
            (
                b"\"\x01\"",
                1,
                "control character in string",
                b"\"\\u0001\"",
            ),
            (b"tru", 0, "unexpected character", b"true"),
            (b"nul", 0, "unexpected character", b"null"),
            (b"[1] 2", 4, "unexpected data after the value", b"[1] "),
            (b"\"\xff\"", 1, "invalid UTF-8", "\"\u{ff}\"".as_bytes()),
            (b"NaN", 0, "unexpected character", b"0"),
        ] {
            let shown = String::from_utf8_lossy(bad);
            assert_eq!(
                parse(bad).err(),
                Some(SyntaxError { offset, reason }),
                "{shown}"
            );
            if let Err(e) = parse(good) {
                panic!("{} (beside {shown}): {e}", String::from_utf8_lossy(good));
            }
        }
    }

    #[test]
    fn keeps_numbers_as_text_and_members_in_order() {
        let tree = parse(br#" {"b": [0.10, -1E+2, "\u00e9\""], "a": true, "b": null} "#).unwrap();
        let Json::Object(members) = tree else {
            panic!("{tree:?}")
        };
        let names: Vec<&str> = members.iter().map(|(name, _)| name.as_ref()).collect();
        assert_eq!(names, ["b", "a", "b"]);
        let Json::Array(items) = &members[0].1 else {
            panic!("{members:?}")
        };
        assert!(
            matches!(items[..], [Json::Number("0.10"), Json::Number("-1E+2"), Json::String(ref s)] if s == "é\"")
        );
        assert!(matches!(members[1].1, Json::Bool(true)));
        assert!(matches!(members[2].1, Json::Null));
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            parse(nested(MAX_DEPTH + 1).as_bytes()).err(),
            Some(SyntaxError {
                offset: MAX_DEPTH,
                reason: "nesting too deep"
            })
        );
        let deep_objects = "{\"a\":".repeat(100_000);
        assert_eq!(
            parse(deep_objects.as_bytes()).err().map(|e| e.reason),
            Some("nesting too deep")
        );
    }
}
