//! Small readers for attribute values, shared by the provider's resources and data sources.

use crate::framework::Attr;
use crate::partnercenter::parse_customer_id;
use crate::protocol::{AttributePath, Diagnostic};
use crate::quote::quote;

/// The path of a top-level attribute, where diagnostics about it point.
pub(crate) fn path(name: &str) -> AttributePath {
    AttributePath::root().attr(name)
}

/// A string attribute that must be known and set here (apply, read, data source read), or an
/// error pointing at it.
pub(crate) fn known<'a>(value: &'a Attr<String>, name: &str) -> Result<&'a str, Diagnostic> {
    match value {
        Attr::Known(s) => Ok(s),
        Attr::Null => Err(
            Diagnostic::error("Missing value", format!("\"{name}\" must be set.")).at(path(name)),
        ),
        Attr::Unknown => Err(Diagnostic::error(
            "Value not known",
            format!("The provider needs the value of \"{name}\" here, but it is not known yet."),
        )
        .at(path(name))),
    }
}

/// The attribute path of each diagnostic as text (empty without one), for tests to compare.
#[cfg(test)]
pub(crate) fn paths(diagnostics: &crate::protocol::Diagnostics) -> Vec<String> {
    diagnostics
        .0
        .iter()
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

/// The error for a `customer_id` that is not a GUID, pointing at the attribute.
pub(crate) fn check_customer_id(customer_id: &str) -> Option<Diagnostic> {
    parse_customer_id(customer_id).is_none().then(|| {
        Diagnostic::error(
            "Invalid customer_id",
            format!(
                "customer_id must be a Partner Center customer id, a GUID such as \
                 0c39d6d5-c70d-4c55-bc02-f620844f3fd1; got {}.",
                quote(customer_id)
            ),
        )
        .at(path("customer_id"))
    })
}

/// A customer id as identities carry it: the lower-case GUID, so that spellings of one id name
/// one object; anything that is not a GUID as it is.
pub(crate) fn canonical_customer_id(customer_id: &str) -> String {
    parse_customer_id(customer_id).map_or_else(|| customer_id.to_owned(), |id| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_customer_ids_are_lower_case_guids() {
        let lower = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
        assert_eq!(canonical_customer_id(&lower.to_uppercase()), lower);
        assert_eq!(canonical_customer_id(lower), lower);
        assert_eq!(canonical_customer_id("Not-A-Guid"), "Not-A-Guid");
    }

    #[test]
    fn customer_ids_are_guids_in_any_case() {
        assert!(check_customer_id("0c39d6d5-c70d-4c55-bc02-f620844f3fd1").is_none());
        assert!(check_customer_id("0C39D6D5-C70D-4C55-BC02-F620844F3FD1").is_none());
        let err = check_customer_id("{0c39d6d5-c70d-4c55-bc02-f620844f3fd1}").unwrap();
        assert_eq!(err.path, Some(path("customer_id")));
        assert_eq!(err.summary, "Invalid customer_id");
        assert!(check_customer_id("").is_some());
    }

    #[test]
    fn a_long_customer_id_is_quoted_by_its_beginning() {
        let err = check_customer_id(&"0".repeat(1 << 20)).unwrap();
        assert!(err.detail.len() < 300, "{}", err.detail);
        assert!(
            err.detail
                .ends_with(&format!("\"… ({} more characters).", (1 << 20) - 64)),
            "{}",
            err.detail
        );
    }

    #[test]
    fn known_strings_with_paths() {
        let set = Attr::Known("x".to_owned());
        assert_eq!(known(&set, "a"), Ok("x"));
        let null = known(&Attr::Null, "b").unwrap_err();
        assert_eq!(
            (null.summary.as_str(), null.path),
            ("Missing value", Some(path("b")))
        );
        let unknown = known(&Attr::Unknown, "c").unwrap_err();
        assert_eq!(
            (unknown.summary.as_str(), unknown.path),
            ("Value not known", Some(path("c")))
        );
    }
}
