//! Attribute paths: where inside a value something is, for errors and diagnostics.

use std::fmt;

use crate::quote::{Excerpt, QUOTED_CHARS, excerpt, quote};

/// A path from the root of a value to one of its parts, as tfplugin6's `AttributePath` has it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributePath {
    pub steps: Vec<PathStep>,
}

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An object attribute.
    Attribute(String),
    /// A map element.
    ElementKeyString(String),
    /// A list, tuple or set element, by position.
    ElementKeyInt(i64),
}

impl AttributePath {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path, then the object attribute `name`.
    #[must_use]
    pub fn attr(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path, then the element at `index`.
    #[must_use]
    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(PathStep::ElementKeyInt(index));
        self
    }

    /// This path, then the map element `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(PathStep::ElementKeyString(key.into()));
        self
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
}

impl PathStep {
    /// The step to the element at a position.
    pub(super) fn index(index: usize) -> PathStep {
        PathStep::ElementKeyInt(i64::try_from(index).unwrap_or(i64::MAX))
    }
}

/// An attribute name, bare: a schema's names are short, but a dynamic value's type can name
/// its attributes anything.
fn name_of(name: &str) -> Excerpt<'_> {
    excerpt(name, QUOTED_CHARS)
}

/// `qualification`, `codes[0].validation_id`, `tags["k"]`, each step bounded; the root is
/// empty.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => write!(f, "{}", name_of(name))?,
                PathStep::Attribute(name) => write!(f, ".{}", name_of(name))?,
                PathStep::ElementKeyString(key) => write!(f, "[{}]", quote(key))?,
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_terraform_addresses() {
        assert_eq!(AttributePath::root().to_string(), "");
        assert_eq!(
            AttributePath::root().attr("qualification").to_string(),
            "qualification"
        );
        assert_eq!(
            AttributePath::root()
                .attr("codes")
                .index(0)
                .attr("validation_id")
                .to_string(),
            "codes[0].validation_id"
        );
        assert_eq!(
            AttributePath::root().attr("tags").key("k").to_string(),
            r#"tags["k"]"#
        );
        assert_eq!(
            AttributePath::root().attr("tags").key("a\"b").to_string(),
            r#"tags["a\"b"]"#
        );
    }

    #[test]
    fn long_names_and_keys_show_their_beginning() {
        let long = "n".repeat(1000);
        let shown = AttributePath::root()
            .attr(long.as_str())
            .key(long.as_str())
            .attr(long.as_str())
            .to_string();
        let name = format!("{}… (936 more characters)", "n".repeat(64));
        assert_eq!(
            shown,
            format!(
                "{name}[\"{}\"… (936 more characters)].{name}",
                "n".repeat(64)
            )
        );
    }

    #[test]
    fn builder_records_steps_in_order() {
        let path = AttributePath::root().attr("a").index(2).key("k");
        assert_eq!(
            path.steps,
            vec![
                PathStep::Attribute("a".into()),
                PathStep::ElementKeyInt(2),
                PathStep::ElementKeyString("k".into()),
            ]
        );
        assert!(!path.is_root());
        assert!(AttributePath::root().is_root());
    }
}
