//! Someone else's text (a configuration value, an environment variable, a type name Terraform
//! sent, a server's answer) inside our messages: only its beginning, with control characters
//! escaped, so a 64 MiB value cannot become a 64 MiB diagnostic and no escape sequence reaches
//! the user's terminal.
//!
//! Every layer quotes through here, the Partner Center client included, which is why this sits
//! beside the layers rather than inside the Terraform-facing ones.

use std::fmt::{self, Write};

/// How many characters of a value a message repeats: enough to recognise it.
pub(crate) const QUOTED_CHARS: usize = 64;

/// How many characters of a server's own prose (an error description) a message repeats:
/// Entra ID's descriptions, with their trace and correlation ids, fit.
pub(crate) const PROSE_CHARS: usize = 512;

/// `text` in double quotes, escaped as `{:?}` escapes it, cut after [`QUOTED_CHARS`]
/// characters.
pub(crate) fn quote(text: &str) -> Excerpt<'_> {
    Excerpt {
        text,
        max_chars: QUOTED_CHARS,
        marks: true,
    }
}

/// `text` without quotation marks, its control characters escaped, cut after `max_chars`
/// characters: for prose and names that read better bare.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> Excerpt<'_> {
    Excerpt {
        text,
        max_chars,
        marks: false,
    }
}

/// The beginning of a text, ready to be displayed; a cut one says how much was left out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Excerpt<'a> {
    text: &'a str,
    max_chars: usize,
    marks: bool,
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, rest) = match self.text.char_indices().nth(self.max_chars) {
            Some((at, _)) => self.text.split_at(at),
            None => (self.text, ""),
        };
        if self.marks {
            write!(f, "{head:?}")?;
        } else {
            for c in head.chars() {
                if c.is_control() {
                    write!(f, "{}", c.escape_debug())?;
                } else {
                    f.write_char(c)?;
                }
            }
        }
        if !rest.is_empty() {
            write!(f, "… ({} more characters)", rest.chars().count())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole() {
        assert_eq!(quote("Education").to_string(), r#""Education""#);
        assert_eq!(quote("").to_string(), r#""""#);
        assert_eq!(
            excerpt("Customer not found", 64).to_string(),
            "Customer not found"
        );
    }

    #[test]
    fn long_text_keeps_its_beginning_and_says_how_much_is_left() {
        let huge = "x".repeat(64 * 1024 * 1024);
        let quoted = quote(&huge).to_string();
        assert_eq!(
            quoted,
            format!(
                "\"{}\"… ({} more characters)",
                "x".repeat(QUOTED_CHARS),
                huge.len() - QUOTED_CHARS
            )
        );
        let exactly = "y".repeat(QUOTED_CHARS);
        assert_eq!(quote(&exactly).to_string(), format!("\"{exactly}\""));
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        // Two bytes each: a cut by bytes would split one.
        let accents = "é".repeat(100);
        let quoted = quote(&accents).to_string();
        assert_eq!(
            quoted,
            format!("\"{}\"… (36 more characters)", "é".repeat(64))
        );
        assert_eq!(
            excerpt(&"日本".repeat(10), 3).to_string(),
            "日本日… (17 more characters)"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            quote("a\u{1b}[31mred\n\"q\"").to_string(),
            r#""a\u{1b}[31mred\n\"q\"""#
        );
        assert_eq!(
            excerpt("line\none\t\u{7}\"kept\"", 64).to_string(),
            r#"line\none\t\u{7}"kept""#
        );
    }
}
