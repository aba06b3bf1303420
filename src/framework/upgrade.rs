//! UpgradeResourceState: reading a stored state into the current schema.
//!
//! A state of the current version is read with the current schema. A state of an older
//! version is read with the schema of THAT version and handed to the resource's upgrader for
//! it; a version without an upgrader is an error naming both versions, never a decode with the
//! wrong schema (which would silently corrupt the state). Attributes a schema no longer has are
//! dropped at every depth, so a removed attribute never strands a state.
//!
//! The state's JSON is read with the project's own codec, which keeps numbers exact (serde_json
//! would round `0.1` or a 30-digit integer through an `f64`).

use crate::protocol::dynamic::{Source, unreadable};
use crate::protocol::tfplugin6 as proto;
use crate::protocol::value::json;
use crate::protocol::{Diagnostic, Diagnostics, Type, Value};

use super::typed::{Object, OfValue, of_value};

/// Turns a state stored with schema version `from_version` into the current state `S`.
pub struct StateUpgrader<S> {
    from_version: i64,
    /// The value type of the old schema, which the stored JSON is read with.
    prior_type: Type,
    /// Reads a value of the old schema into the current state.
    upgrade: OfValue<S>,
}

impl<S> std::fmt::Debug for StateUpgrader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateUpgrader")
            .field("from_version", &self.from_version)
            .finish_non_exhaustive()
    }
}

impl<S> StateUpgrader<S> {
    /// An upgrader from states of version `from_version`, whose shape the typed object `P`
    /// (the old schema, declared with [`object!`](crate::object)) describes.
    pub fn new<P: Object>(
        from_version: i64,
        upgrade: impl Fn(P) -> Result<S, Diagnostics> + Send + Sync + 'static,
    ) -> Self {
        Self {
            from_version,
            prior_type: P::ty(),
            upgrade: of_value(upgrade),
        }
    }
}

fn read(type_name: &str, json: &[u8], ty: &Type) -> Result<Value, Diagnostic> {
    json::decode_state(json, ty).map_err(|e| unreadable(Source::StoredState(type_name), &e))
}

/// Reads a stored state of `version` as a state of the current schema (`S`, version
/// `current`); a stored null stays null.
pub(crate) fn upgrade_state<S: Object>(
    type_name: &str,
    current: i64,
    upgraders: &[StateUpgrader<S>],
    version: i64,
    raw: &proto::RawState,
) -> Result<Value, Diagnostics> {
    if version > current {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "The state of this {type_name} has schema version {version}, but this provider \
                 knows versions up to {current}. Upgrade the provider."
            ),
        )
        .into());
    }
    if raw.json.is_empty() {
        return Err(Diagnostic::error(
            "Unsupported state format",
            "The state is in the legacy flatmap format, which this provider never wrote.",
        )
        .into());
    }
    if version == current {
        let value = read(type_name, &raw.json, &S::ty())?;
        // Through the typed state, so what Terraform gets back fits the schema exactly.
        return match value.is_null() {
            true => Ok(Value::Null),
            false => Ok(S::from_value(&value).map_err(Diagnostic::from)?.to_value()),
        };
    }
    let upgrader = upgraders
        .iter()
        .find(|u| u.from_version == version)
        .ok_or_else(|| {
            Diagnostic::error(
                "No upgrade for this state version",
                format!(
                    "The state of this {type_name} has schema version {version}, and this \
                     provider (schema version {current}) has no upgrade from version {version}. \
                     Use the provider version that wrote the state, or report this."
                ),
            )
        })?;
    let value = read(type_name, &raw.json, &upgrader.prior_type)?;
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok((upgrader.upgrade)(&value)?.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attr;
    use crate::protocol::value::Number;

    crate::object! {
        #[names(CurrentNames)]
        struct Current {
            id: String => Computed(""),
            count: Number => Optional(""),
            tags: Vec<Tag> => Optional(""),
        }
    }

    crate::object! {
        #[names(TagNames)]
        struct Tag {
            key: String => Required(""),
        }
    }

    crate::object! {
        #[names(V0Names)]
        /// Version 0 of the toy schema: `count` was called `size` and was a string.
        struct V0 {
            id: String => Computed(""),
            size: String => Optional(""),
        }
    }

    fn upgraders() -> Vec<StateUpgrader<Current>> {
        vec![StateUpgrader::new(0, |old: V0| {
            let count = match old.size.known() {
                Some(size) => Attr::Known(
                    size.parse::<Number>()
                        .map_err(|e| Diagnostic::error("Bad size", e.to_string()))?,
                ),
                None => Attr::Null,
            };
            Ok(Current {
                id: old.id,
                count,
                tags: Attr::Null,
            })
        })]
    }

    fn raw(json: &str) -> proto::RawState {
        proto::RawState {
            json: json.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn upgrade(version: i64, json: &str) -> Result<Value, Diagnostics> {
        upgrade_state("test_thing", 1, &upgraders(), version, &raw(json))
    }

    fn number(text: &str) -> Value {
        Value::number(text.parse::<Number>().unwrap())
    }

    fn summary(result: Result<Value, Diagnostics>) -> String {
        result.unwrap_err().0[0].summary.clone()
    }

    #[test]
    fn current_state_reads_as_is() {
        let state = upgrade(1, r#"{"id":"a","count":3,"tags":[{"key":"k"}]}"#).unwrap();
        assert_eq!(state.attr("count"), Some(&Value::number(3)));
        assert_eq!(
            state.attr("tags"),
            Some(&Value::list([Value::object([("key", Value::string("k"))])]))
        );
    }

    #[test]
    fn a_version_0_state_goes_through_its_upgrader() {
        let state = upgrade(0, r#"{"id":"a","size":"12"}"#).unwrap();
        assert_eq!(
            state,
            Value::object([
                ("id", Value::string("a")),
                ("count", Value::number(12)),
                ("tags", Value::Null),
            ])
        );
        // Read with the version-0 schema: `count` did not exist then, so it is dropped, not
        // taken as the current attribute of that name.
        let state = upgrade(0, r#"{"id":"a","count":"x"}"#).unwrap();
        assert_eq!(state.attr("count"), Some(&Value::Null));
        let failed = upgrade(0, r#"{"id":"a","size":"lots"}"#);
        assert_eq!(summary(failed), "Bad size");
    }

    #[test]
    fn a_version_without_an_upgrader_names_both_versions() {
        let err = upgrade_state::<Current>("test_thing", 2, &upgraders(), 1, &raw(r#"{"id":"a"}"#))
            .unwrap_err();
        let detail = &err.0[0].detail;
        assert_eq!(err.0[0].summary, "No upgrade for this state version");
        assert!(
            detail.contains("schema version 1") && detail.contains("(schema version 2)"),
            "{detail}"
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
            let state = upgrade(1, &format!(r#"{{"id":"a","count":{text}}}"#)).unwrap();
            assert_eq!(state.attr("count"), Some(&number(text)), "{text}");
        }
    }

    #[test]
    fn removed_attributes_are_dropped_at_every_depth() {
        let state = upgrade(
            1,
            r#"{"gone":{"nested":[1,"x",null,{"deep":true}],"e":{}},"id":"a",
                "old":null,"count":0.5,"tags":[{"key":"k","colour":"red","more":{"x":[1]}}],
                "huge":1e400}"#,
        )
        .unwrap();
        assert_eq!(
            state,
            Value::object([
                ("id", Value::string("a")),
                ("count", number("0.5")),
                (
                    "tags",
                    Value::list([Value::object([("key", Value::string("k"))])])
                ),
            ])
        );
    }

    #[test]
    fn a_null_state_stays_null() {
        assert_eq!(upgrade(1, "null").unwrap(), Value::Null);
        assert_eq!(upgrade(0, "null").unwrap(), Value::Null);
    }

    #[test]
    fn a_newer_version_is_refused() {
        let err = upgrade(2, r#"{"id":"a"}"#).unwrap_err();
        assert_eq!(err.0[0].summary, "State written by a newer provider");
        assert!(err.has_errors());
    }

    #[test]
    fn a_flatmap_state_is_refused() {
        let flatmap = proto::RawState {
            json: Vec::new(),
            flatmap: [("id".to_owned(), "a".to_owned())].into(),
        };
        let result = upgrade_state("test_thing", 1, &upgraders(), 1, &flatmap);
        assert_eq!(summary(result), "Unsupported state format");
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
            assert_eq!(summary(upgrade(1, bad)), "Unreadable state", "{bad}");
        }
    }
}
