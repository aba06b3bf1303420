//! The provider the service tests drive: a resource without identity ([`Things`]), one with an
//! identity ([`Keys`]) and its list resource ([`KeyList`]), and a read-only data source
//! ([`Echo`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::framework::{
    Applied, Attr, DataSource, DynDataSource, DynListResource, DynResource, Identity, ListRequest,
    ListResource, ListStream, Listed, PlanRequest, Planned, Provider, Refreshed, Resource,
};
use crate::protocol::{AttributePath, Diagnostic, Diagnostics};

pub(super) const THING: &str = "test_thing";
pub(super) const KEYED: &str = "test_keyed";
pub(super) const ECHO: &str = "test_echo";

crate::object! {
    #[names(ThingNames)]
    pub(super) struct Thing {
        id: String => Required(""),
        secret: String => Optional("").write_only(),
    }
}

/// A resource whose create and update fail, whose read answers by the id it is given, and
/// whose destroy warns.
#[derive(Default)]
pub(super) struct Things {
    pub(super) validations: AtomicUsize,
}

fn refused() -> Diagnostics {
    Diagnostic::error("Refused", "The server refused the change.").into()
}

/// How both resources refresh the object of id `id`: "gone" is gone, "broken" fails, and any
/// other is found as it is.
fn refreshed<S>(id: Attr<String>, state: S) -> Result<Refreshed<S>, Diagnostics> {
    match id.as_str() {
        Some("gone") => Ok(Refreshed::Gone(Diagnostic::warning("Gone", "It went."))),
        Some("broken") => Err(refused()),
        _ => Ok(Refreshed::found(state)),
    }
}

#[crate::framework::async_trait]
impl Resource<()> for Things {
    type State = Thing;
    const TYPE_NAME: &'static str = THING;
    const DESCRIPTION: &'static str = "";

    async fn create(&self, _: &(), _: Thing, _: Thing) -> Result<Applied<Thing>, Diagnostics> {
        Err(refused())
    }

    async fn read(&self, _: &(), state: Thing) -> Result<Refreshed<Thing>, Diagnostics> {
        refreshed(state.id.clone(), state)
    }

    async fn update(
        &self,
        _: &(),
        _: Thing,
        _: Thing,
        _: Thing,
    ) -> Result<Applied<Thing>, Diagnostics> {
        Err(refused())
    }

    async fn delete(&self, _: &(), _: Thing) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(Vec::new())
    }

    fn validate(&self, _: &Thing) -> Diagnostics {
        self.validations.fetch_add(1, Ordering::SeqCst);
        Diagnostic::warning("Checked", "Once.").into()
    }

    fn plan_destroy(&self, prior: &Thing) -> Vec<Diagnostic> {
        vec![Diagnostic::warning(
            "Kept",
            format!("{} stays.", prior.id.as_str().unwrap_or_default()),
        )]
    }
}

/// A read-only data source: a state type and a read, nothing else.
pub(super) struct Echo;

#[crate::framework::async_trait]
impl DataSource<()> for Echo {
    type State = Thing;
    const TYPE_NAME: &'static str = ECHO;
    const DESCRIPTION: &'static str = "";

    async fn read(&self, _: &(), config: Thing) -> Result<Thing, Diagnostics> {
        Ok(config)
    }
}

crate::object! {
    #[names(KeyedNames)]
    pub(super) struct Keyed {
        id: String => Required(""),
        size: i64 => Optional(""),
    }
}

crate::object! {
    #[names(KeyNames)]
    pub(super) struct Key {
        id: String => Required("The id, in lower case."),
    }
}

/// A resource with an identity (its lower-case id). Create fails for the id "refused", update
/// for size 13; read answers "gone" as gone and fails for "broken".
pub(super) struct Keys;

#[crate::framework::async_trait]
impl Resource<()> for Keys {
    type State = Keyed;
    const TYPE_NAME: &'static str = KEYED;
    const DESCRIPTION: &'static str = "";

    async fn create(
        &self,
        _: &(),
        planned: Keyed,
        _: Keyed,
    ) -> Result<Applied<Keyed>, Diagnostics> {
        match planned.id.as_str() {
            Some("refused") => Err(refused()),
            _ => Ok(Applied::new(planned)),
        }
    }

    async fn read(&self, _: &(), state: Keyed) -> Result<Refreshed<Keyed>, Diagnostics> {
        refreshed(state.id.clone(), state)
    }

    async fn update(
        &self,
        _: &(),
        _: Keyed,
        planned: Keyed,
        _: Keyed,
    ) -> Result<Applied<Keyed>, Diagnostics> {
        match planned.size.known() {
            Some(13) => Err(refused()),
            _ => Ok(Applied::new(planned)),
        }
    }

    async fn delete(&self, _: &(), _: Keyed) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(Vec::new())
    }

    /// Another known id replaces the object; an id not known yet does not.
    fn modify_plan(
        &self,
        _: &(),
        request: PlanRequest<Keyed>,
    ) -> Result<Planned<Keyed>, Diagnostics> {
        let replaced = request.prior.as_ref().is_some_and(|prior| {
            matches!((prior.id.known(), request.proposed.id.known()), (Some(a), Some(b)) if a != b)
        });
        let mut planned = Planned::unchanged(request.proposed);
        if replaced {
            planned.requires_replace = vec![AttributePath::root().attr("id")];
        }
        Ok(planned)
    }

    fn import(&self, id: &str) -> Result<Keyed, Diagnostics> {
        Ok(Keyed {
            id: Attr::Known(id.to_owned()),
            size: Attr::Null,
        })
    }

    fn identity() -> Option<Identity<Keyed>> {
        Some(Identity::new(
            0,
            |keyed: &Keyed| Key {
                id: keyed.id.clone().map(|id| id.to_lowercase()),
            },
            |key: Key| {
                Ok(Keyed {
                    id: key.id,
                    size: Attr::Null,
                })
            },
        ))
    }
}

crate::object! {
    #[names(PrefixNames)]
    pub(super) struct Prefix {
        prefix: String => Optional(""),
    }
}

/// Lists the keys "A1", "a2", "b1", then an error, then "a3", counting what it produced.
#[derive(Default)]
pub(super) struct KeyList {
    pub(super) produced: Arc<AtomicUsize>,
}

impl ListResource<()> for KeyList {
    type Resource = Keys;
    type Config = Prefix;
    const DESCRIPTION: &'static str = "";

    fn validate(&self, config: &Prefix) -> Diagnostics {
        match config.prefix.as_str() {
            Some("bad") => Diagnostic::error("Bad prefix", "No.").into(),
            _ => Diagnostics::default(),
        }
    }

    fn list(&self, _: Arc<()>, request: ListRequest<Prefix>) -> ListStream<Keyed> {
        let prefix = request
            .config
            .prefix
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let produced = Arc::clone(&self.produced);
        let items = ["A1", "a2", "b1", "boom", "a3"]
            .into_iter()
            .filter_map(move |id| {
                if !id.to_lowercase().starts_with(&prefix) && id != "boom" {
                    return None;
                }
                produced.fetch_add(1, Ordering::SeqCst);
                Some(match id {
                    "boom" => Err(refused()),
                    id => Ok(Listed {
                        display_name: format!("Key {id}"),
                        state: Keyed {
                            id: Attr::Known(id.to_owned()),
                            size: Attr::Known(1),
                        },
                    }),
                })
            });
        Box::pin(futures_util::stream::iter(items))
    }
}

crate::object! {
    #[names(SettingsNames)]
    pub(super) struct Settings {
        greeting: String => Optional(""),
    }
}

#[derive(Default)]
pub(super) struct TestProvider {
    pub(super) things: Arc<Things>,
    pub(super) keys: Arc<KeyList>,
}

#[crate::framework::async_trait]
impl Provider for TestProvider {
    type Context = ();
    type Config = Settings;
    const DESCRIPTION: &'static str = "";

    fn address(&self) -> &'static str {
        "registry.terraform.io/test/test"
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource<()>>> {
        let things: Arc<dyn DynResource<()>> = self.things.clone();
        vec![things, Arc::new(Keys)]
    }

    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<()>>> {
        let keys: Arc<dyn DynListResource<()>> = self.keys.clone();
        vec![keys]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
        vec![Arc::new(Echo)]
    }

    async fn configure(&self, _: Settings, _: &str) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn stop(&self) {}
}
