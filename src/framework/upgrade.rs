//! UpgradeResourceState: reading a stored state into the current schema.
//!
//! The state's JSON is read with the project's own codec, which keeps numbers exact (serde_json
//! would round `0.1` or a 30-digit integer through an `f64`). Attributes the schema no longer
//! has are dropped rather than failing, so a removed attribute never strands a state.

use crate::protocol::tfplugin6 as proto;
use crate::protocol::value::json;
use crate::protocol::{Diagnostic, Schema, Value};

/// Reads a stored state of `version` as a value of `schema`.
pub(crate) fn upgrade_state(
    schema: &Schema,
    version: i64,
    raw: &proto::RawState,
) -> Result<Value, Diagnostic> {
    if version > schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "The state has schema version {version}, but this provider knows versions up \
                 to {}. Upgrade the provider.",
                schema.version
            ),
        ));
    }
    if raw.json.is_empty() {
        return Err(Diagnostic::error(
            "Unsupported state format",
            "The state is in the legacy flatmap format, which this provider never wrote.",
        ));
    }
    json::decode_state(&raw.json, &schema.value_type()).map_err(|e| {
        Diagnostic::error(
            "Unreadable state",
            format!(
                "The stored state does not fit the schema: {e}. This is a bug in the provider \
                 or a damaged state; please report it."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::value::Number;
    use crate::protocol::{Attribute, Presence, Type};

    fn schema() -> Schema {
        Schema {
            version: 0,
            description: "",
            attributes: vec![
                Attribute::new("id", Type::String, Presence::Computed, ""),
                Attribute::new("count", Type::Number, Presence::Optional, ""),
            ],
        }
    }

    fn raw(json: &str) -> proto::RawState {
        proto::RawState {
            json: json.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn number(text: &str) -> Value {
        Value::number(text.parse::<Number>().unwrap())
    }

    #[test]
    fn current_state_reads_as_is() {
        let state = upgrade_state(&schema(), 0, &raw(r#"{"id":"a","count":3}"#)).unwrap();
        assert_eq!(
            state,
            Value::object([("id", Value::string("a")), ("count", Value::number(3))])
        );
    }

    #[test]
    fn big_and_decimal_numbers_stay_exact() {
        for text in [
            "123456789012345678901234567890",
            "0.1",
            "9007199254740993",
            "-1234567890.123456789012345678901",
        ] {
            let state = upgrade_state(
                &schema(),
                0,
                &raw(&format!(r#"{{"id":"a","count":{text}}}"#)),
            )
            .unwrap();
            assert_eq!(state.attr("count"), Some(&number(text)), "{text}");
        }
    }

    #[test]
    fn removed_attributes_are_dropped() {
        let state = upgrade_state(
            &schema(),
            0,
            &raw(
                r#"{"gone":{"nested":[1,"x",null,{"deep":true}],"e":{}},"id":"a",
                    "old":null,"count":0.5,"list":[],"huge":1e400}"#,
            ),
        )
        .unwrap();
        assert_eq!(
            state,
            Value::object([("id", Value::string("a")), ("count", number("0.5"))])
        );
    }

    #[test]
    fn a_newer_version_is_refused() {
        let err = upgrade_state(&schema(), 1, &raw(r#"{"id":"a"}"#)).unwrap_err();
        assert_eq!(err.summary, "State written by a newer provider");
        assert!(err.is_error());
    }

    #[test]
    fn a_flatmap_state_is_refused() {
        let flatmap = proto::RawState {
            json: Vec::new(),
            flatmap: [("id".to_owned(), "a".to_owned())].into(),
        };
        let err = upgrade_state(&schema(), 0, &flatmap).unwrap_err();
        assert_eq!(err.summary, "Unsupported state format");
    }

    #[test]
    fn damaged_states_are_errors() {
        for bad in [
            "[1]",
            "{",
            r#"{"id":"a"} x"#,
            r#"{"count":"lots"}"#,
            r#"{"id":"a","id":"b"}"#,
        ] {
            let err = upgrade_state(&schema(), 0, &raw(bad)).unwrap_err();
            assert_eq!(err.summary, "Unreadable state", "{bad}");
        }
    }
}
