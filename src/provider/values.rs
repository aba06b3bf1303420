//! Small readers for attribute values, shared by the provider block, resources and data sources.

use crate::partnercenter::parse_customer_id;
use crate::protocol::{AttributePath, Diagnostic, Value};

/// The path of a top-level attribute, where diagnostics about it point.
pub(crate) fn path(name: &str) -> AttributePath {
    AttributePath::root().attr(name)
}

/// A top-level string attribute: `Ok(None)` when null, an error when unknown (callers use this
/// only where Terraform guarantees known values: apply, read, data source read).
pub(crate) fn known_string<'a>(
    object: &'a Value,
    name: &str,
) -> Result<Option<&'a str>, Diagnostic> {
    match object.attr(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Diagnostic::error(
            "Value not known",
            format!(
                "The provider needs the value of \"{name}\" here, but it is not a known string."
            ),
        )
        .at(path(name))),
    }
}

/// Like [`known_string`], but the attribute must be set.
pub(crate) fn required_string<'a>(object: &'a Value, name: &str) -> Result<&'a str, Diagnostic> {
    known_string(object, name)?.ok_or_else(|| {
        Diagnostic::error("Missing value", format!("\"{name}\" must be set.")).at(path(name))
    })
}

/// The error for a `customer_id` that is not a GUID, pointing at the attribute.
pub(crate) fn check_customer_id(customer_id: &str) -> Option<Diagnostic> {
    parse_customer_id(customer_id).is_none().then(|| {
        Diagnostic::error(
            "Invalid customer_id",
            format!(
                "customer_id must be a Partner Center customer id, a GUID such as \
                 0c39d6d5-c70d-4c55-bc02-f620844f3fd1; got \"{customer_id}\"."
            ),
        )
        .at(path("customer_id"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids_are_guids_in_any_case() {
        assert!(check_customer_id("0c39d6d5-c70d-4c55-bc02-f620844f3fd1").is_none());
        assert!(check_customer_id("0C39D6D5-C70D-4C55-BC02-F620844F3FD1").is_none());
        let err = check_customer_id("{0c39d6d5-c70d-4c55-bc02-f620844f3fd1}").unwrap();
        assert_eq!(err.path, Some(path("customer_id")));
        assert!(check_customer_id("").is_some());
    }

    #[test]
    fn strings_read_with_paths() {
        let object = Value::object([
            ("a", Value::string("x")),
            ("b", Value::Null),
            ("c", Value::Unknown),
        ]);
        assert_eq!(known_string(&object, "a").unwrap(), Some("x"));
        assert_eq!(known_string(&object, "b").unwrap(), None);
        let err = known_string(&object, "c").unwrap_err();
        assert_eq!(err.path, Some(path("c")));
        assert!(required_string(&object, "b").is_err());
    }
}
