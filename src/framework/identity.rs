//! Resource identity (Terraform 1.12+): the few attributes that name one remote object, which
//! Terraform stores beside the state, accepts in `import { identity = { … } }` blocks, and
//! receives from list resources.
//!
//! A resource opts in by returning an [`Identity`] from
//! [`Resource::identity`](super::Resource::identity): a typed identity object (declared with
//! [`object!`](crate::object), so its declaration is the identity schema), how a state names its
//! object, and how an imported identity becomes a state to refresh. The identity is always
//! derived from the state, never read back from what Terraform sent: Terraform before 1.12 and
//! OpenTofu store none, and a state written before the resource had an identity gains one at its
//! next refresh.

use crate::protocol::dynamic::{Source, unreadable};
use crate::protocol::tfplugin6 as proto;
use crate::protocol::value::json;
use crate::protocol::{Diagnostic, Diagnostics, IdentitySchema, Type, Value};

use super::typed::{Object, OfValue, of_value};

/// Terraform asked about the identity of a resource type that has none. It asks only about
/// the types whose identity schema it has, so this is a bug in Terraform or in the provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0} has no resource identity, which an import by identity, an identity upgrade and a \
     listing all need"
)]
pub(crate) struct NoIdentity(pub(crate) &'static str);

impl From<NoIdentity> for Diagnostic {
    fn from(error: NoIdentity) -> Self {
        Diagnostic::error(
            "Resource has no identity",
            format!("{error}. This is a bug in Terraform or in the provider; please report it."),
        )
    }
}

type OfState<S> = Box<dyn Fn(&S) -> Value + Send + Sync>;

/// A resource's identity, over its state type `S`.
pub struct Identity<S> {
    schema: IdentitySchema,
    ty: Type,
    of_state: OfState<S>,
    import: OfValue<S>,
}

impl<S> std::fmt::Debug for Identity<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl<S> Identity<S> {
    /// The identity object `I` of identity schema `version`: `of_state` names the object a
    /// state holds (it may leave attributes unknown while the state's are, at plan time), and
    /// `import` turns an identity from an `import` block into a state to refresh.
    pub fn new<I: Object>(
        version: i64,
        of_state: impl Fn(&S) -> I + Send + Sync + 'static,
        import: impl Fn(I) -> Result<S, Diagnostics> + Send + Sync + 'static,
    ) -> Self {
        Self {
            schema: IdentitySchema {
                version,
                attributes: I::attributes(),
            },
            ty: I::ty(),
            of_state: Box::new(move |state| of_state(state).to_value()),
            import: of_value(import),
        }
    }

    pub fn schema(&self) -> &IdentitySchema {
        &self.schema
    }

    /// The identity of a state, as a value of the identity type.
    pub(crate) fn of_state(&self, state: &S) -> Value {
        (self.of_state)(state)
    }

    /// The identity a plan names: that of the planned state. Terraform accepts an identity that
    /// is not known yet only for a create or a replacement, so an in-place update whose planned
    /// identity is not wholly known keeps `prior`, the prior state's.
    pub(crate) fn of_plan(&self, prior: Option<Value>, planned: &S, replaced: bool) -> Value {
        let identity = self.of_state(planned);
        match prior {
            Some(prior) if !identity.is_wholly_known() && !replaced => prior,
            _ => identity,
        }
    }

    /// The state to refresh for an identity Terraform sent (a known, non-null object).
    pub(crate) fn import(&self, identity: &Value) -> Result<S, Diagnostics> {
        if identity.is_null() || !identity.is_wholly_known() {
            return Err(Diagnostic::error(
                "Invalid import identity",
                "The identity to import must be known and not null.",
            )
            .into());
        }
        (self.import)(identity)
    }

    /// UpgradeResourceIdentity: reads a stored identity of `version` as one of the current
    /// version. Only the current version exists so far, so older versions cannot occur; a
    /// newer one means a newer provider wrote the state.
    pub(crate) fn upgrade(
        &self,
        type_name: &str,
        version: i64,
        raw: &proto::RawState,
    ) -> Result<Value, Diagnostics> {
        let current = self.schema.version;
        if version != current {
            let which = if version > current {
                "Upgrade the provider."
            } else {
                "This is a bug in the provider; please report it."
            };
            return Err(Diagnostic::error(
                "Unsupported identity version",
                format!(
                    "The stored identity of this {type_name} has version {version}, and this \
                     provider reads version {current}. {which}"
                ),
            )
            .into());
        }
        json::decode(&raw.json, &self.ty)
            .map_err(|e| unreadable(Source::StoredIdentity(type_name), &e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Attr, AttrValue};
    use crate::protocol::Presence;

    crate::object! {
        #[names(KeyNames)]
        struct Key {
            name: String => Required("The name."),
        }
    }

    crate::object! {
        #[names(ThingNames)]
        struct Thing {
            name: String => Required(""),
            size: i64 => Optional(""),
        }
    }

    fn identity() -> Identity<Thing> {
        Identity::new(
            1,
            |thing: &Thing| Key {
                name: thing.name.clone().map(|n| n.to_lowercase()),
            },
            |key: Key| {
                Ok(Thing {
                    name: key.name,
                    size: Attr::Null,
                })
            },
        )
    }

    #[test]
    fn the_schema_comes_from_the_identity_object() {
        let identity = identity();
        assert_eq!(identity.schema().version, 1);
        assert_eq!(identity.schema().attributes[0].presence, Presence::Required);
        assert_eq!(identity.schema().value_type(), Key::ty());
    }

    #[test]
    fn a_state_names_its_identity_and_an_identity_imports() {
        let identity = identity();
        let thing = Thing {
            name: "A".to_owned().into(),
            size: 3.into(),
        };
        assert_eq!(
            identity.of_state(&thing),
            Value::object([("name", Value::string("a"))])
        );
        let unknown = Thing {
            name: Attr::Unknown,
            size: Attr::Null,
        };
        assert!(!identity.of_state(&unknown).is_wholly_known());
        let imported = identity
            .import(&Value::object([("name", Value::string("b"))]))
            .unwrap();
        assert_eq!(imported.name.as_str(), Some("b"));
        for invalid in [Value::Null, Value::object([("name", Value::Unknown)])] {
            let err = identity.import(&invalid).unwrap_err();
            assert_eq!(err.0[0].summary, "Invalid import identity");
        }
    }

    #[test]
    fn an_in_place_update_keeps_the_prior_identity_until_the_planned_one_is_known() {
        let identity = identity();
        let thing = |name: Attr<String>| Thing {
            name,
            size: Attr::Null,
        };
        let prior = || Some(Value::object([("name", Value::string("a"))]));
        let unknown = thing(Attr::Unknown);
        let known = thing("B".to_owned().into());
        let b = Value::object([("name", Value::string("b"))]);
        assert_eq!(identity.of_plan(prior(), &unknown, false), prior().unwrap());
        assert_eq!(identity.of_plan(prior(), &known, false), b);
        // A create or a replacement may plan an identity that is not known yet.
        for (prior, replaced) in [(None, false), (prior(), true)] {
            let planned = identity.of_plan(prior, &unknown, replaced);
            assert!(!planned.is_wholly_known());
        }
    }

    #[test]
    fn only_the_current_version_upgrades() {
        let identity = identity();
        let raw = proto::RawState {
            json: br#"{"name":"a"}"#.to_vec(),
            ..Default::default()
        };
        assert_eq!(
            identity.upgrade("t", 1, &raw).unwrap(),
            Value::object([("name", Value::string("a"))])
        );
        for version in [0, 2] {
            let err = identity.upgrade("t", version, &raw).unwrap_err();
            assert_eq!(err.0[0].summary, "Unsupported identity version");
        }
        let garbage = proto::RawState {
            json: b"[1]".to_vec(),
            ..Default::default()
        };
        let err = identity.upgrade("t", 1, &garbage).unwrap_err();
        assert_eq!(err.0[0].summary, "Unreadable identity");
    }
}
