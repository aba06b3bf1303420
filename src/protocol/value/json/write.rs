//! JSON strings as Go's `encoding/json` writes them, so that type JSON (in schemas and dynamic
//! values) is byte for byte what go-cty writes.

/// Writes a JSON string as Go's `encoding/json` does: `<`, `>`, `&`, U+2028 and U+2029 as
/// `\u` escapes, short escapes where JSON has them, other control characters as `\u00xx`.
pub(in crate::protocol::value) fn write_string(out: &mut Vec<u8>, s: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_go_writes_them() {
        let mut out = Vec::new();
        write_string(&mut out, "\u{1}\u{8}\u{c}\"\\/\u{2028}é&>x<y");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""\u0001\b\f\"\\/\u2028é\u0026\u003ex\u003cy""#
        );
    }
}
