//! Diagnostics: how every problem reaches the Terraform user, with the attribute it is about.

use super::tfplugin6 as proto;
use super::value::{AttributePath, PathStep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One message for the user: a one-line summary, a detail paragraph, and where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    /// Points the diagnostic at an attribute, so Terraform underlines it in the configuration.
    #[must_use]
    pub fn at(mut self, path: AttributePath) -> Self {
        self.path = Some(path);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What a failed operation returns: at least one error, possibly warnings beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// `Ok(())` when nothing is an error, so validation can end with `diagnostics.into_result()?`.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.has_errors() { Err(self) } else { Ok(()) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<&AttributePath> for proto::AttributePath {
    fn from(path: &AttributePath) -> Self {
        use proto::attribute_path::step::Selector;
        let steps = path
            .steps
            .iter()
            .map(|step| proto::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::ElementKeyString(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(*index),
                }),
            })
            .collect();
        Self { steps }
    }
}

impl From<Diagnostic> for proto::Diagnostic {
    fn from(diagnostic: Diagnostic) -> Self {
        let severity = match diagnostic.severity {
            Severity::Error => proto::diagnostic::Severity::Error,
            Severity::Warning => proto::diagnostic::Severity::Warning,
        };
        Self {
            severity: severity.into(),
            summary: diagnostic.summary,
            detail: diagnostic.detail,
            attribute: diagnostic.path.as_ref().map(Into::into),
        }
    }
}

/// Converts for a response's `diagnostics` field.
pub fn to_proto(diagnostics: impl IntoIterator<Item = Diagnostic>) -> Vec<proto::Diagnostic> {
    diagnostics.into_iter().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_severity_reach_the_wire() {
        let diagnostic =
            Diagnostic::error("Invalid qualification", "Use Education.").at(AttributePath::root()
                .attr("codes")
                .index(0)
                .attr("validation_id"));
        let wire = proto::Diagnostic::from(diagnostic);
        assert_eq!(wire.severity, proto::diagnostic::Severity::Error as i32);
        let steps = wire.attribute.unwrap().steps;
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[1].selector,
            Some(proto::attribute_path::step::Selector::ElementKeyInt(0))
        );
    }

    #[test]
    fn warnings_alone_are_not_errors() {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(Diagnostic::warning("w", ""));
        assert!(diagnostics.clone().into_result().is_ok());
        diagnostics.push(Diagnostic::error("e", ""));
        let all = diagnostics.clone();
        assert_eq!(
            diagnostics.into_result().map_err(|d| d.into_iter().count()),
            Err(all.into_iter().count()),
            "the error carries every diagnostic, the warning too"
        );
    }
}
