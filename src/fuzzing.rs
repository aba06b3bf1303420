//! Entry points for the fuzz targets under `fuzz/` (cargo fuzz): each takes the fuzzer's bytes,
//! feeds them where untrusted input enters the provider, and panics when a property breaks.
//! Not part of the provider's API; the committed seeds also run as unit tests here.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::framework::{Object as _, Provider as _};
use crate::partnercenter::contract::{decode_qualification, decode_validation_codes};
use crate::partnercenter::error::ErrorBody;
use crate::partnercenter::retry::{parse_retry_after, retry_after_from_message};
use crate::partnercenter::{ApiError, CallContext, Caller, Error, RequestIds, Secret};
use crate::protocol::tfplugin6 as proto;
use crate::protocol::value::{Number, json, msgpack};
use crate::protocol::{Diagnostics, Type, Value, dynamic};
use crate::provider::PartnerCenterProvider;
use crate::provider::config::{Config, Env, configure, validate, variable};

/// The longest message any input may produce. Quoting bounds every piece of input a message
/// repeats to 64 characters (512 for a server's prose); the longest message repeats one
/// attribute path of at most 128 steps, each at most about 100 bytes once quoted.
const MAX_MESSAGE: usize = 16 * 1024;

fn assert_bounded(what: &str, message: &str) {
    assert!(
        message.len() <= MAX_MESSAGE,
        "{what}: a message of {} bytes",
        message.len()
    );
}

fn assert_bounded_diagnostics(what: &str, diagnostics: &Diagnostics) {
    for diagnostic in &diagnostics.0 {
        assert_bounded(what, &diagnostic.summary);
        assert_bounded(what, &diagnostic.detail);
    }
}

// ---- DynamicValue decoding ----

/// The types of the provider's schemas: the provider block, each resource, each data source.
fn schema_types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let provider = PartnerCenterProvider::new();
        let resources = provider.resources().into_iter().map(|r| r.schema());
        let data_sources = provider.data_sources().into_iter().map(|d| d.schema());
        std::iter::once(provider.schema())
            .chain(resources)
            .chain(data_sources)
            .map(|schema| schema.value_type())
            .collect()
    })
}

/// A value as Terraform sends it, in msgpack and in JSON, of a schema's type (first byte even)
/// or of a type the input spells out as type JSON (first byte odd, then the JSON's length).
/// Whatever decodes must encode and decode back to itself; whatever does not gives a short
/// error.
pub fn dynamic_value(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (ty, payload) = if selector % 2 == 0 {
        let types = schema_types();
        (types[usize::from(selector / 2) % types.len()].clone(), rest)
    } else {
        let Some((&length, rest)) = rest.split_first() else {
            return;
        };
        let (type_json, payload) = rest.split_at(usize::from(length).min(rest.len()));
        match Type::from_json(type_json) {
            Ok(ty) => (ty, payload),
            Err(e) => return assert_bounded("type JSON", &e.to_string()),
        }
    };
    // Whatever either decoder gives, the provider must be able to answer with: as msgpack.
    for (codec, decoded) in [
        ("msgpack", msgpack::decode(payload, &ty)),
        ("JSON", json::decode(payload, &ty)),
    ] {
        match decoded {
            Ok(value) => {
                let bytes = msgpack::encode(&value, &ty).expect("a decoded value encodes");
                let again = msgpack::decode(&bytes, &ty).expect("an encoded value decodes");
                assert_eq!(again, value, "{codec} value through msgpack: {bytes:02x?}");
            }
            Err(e) => assert_bounded(codec, &e.to_string()),
        }
    }
    if let Err(e) = json::decode_state(payload, &ty) {
        assert_bounded("JSON state", &e.to_string());
    }
    let wire = proto::DynamicValue {
        msgpack: payload.to_vec(),
        json: Vec::new(),
    };
    if let Err(diagnostic) = dynamic::decode(Some(&wire), &ty) {
        assert_bounded_diagnostics("DynamicValue", &diagnostic.into());
    }
}

// ---- Partner Center answers ----

/// The statuses the client treats differently; the first byte picks one.
const STATUSES: [u16; 12] = [200, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 418];

/// A Partner Center answer body: decoded as each documented answer, and as an error body
/// whose message must be short, whatever the status; and as a `Retry-After` value.
pub fn partner_center_answer(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(selector) % STATUSES.len()];
    if let Err(detail) = decode_qualification(body) {
        assert_bounded("qualification answer", &detail);
    }
    match decode_validation_codes(body) {
        // Validation codes are secrets: nothing else shown of a code may depend on them.
        Ok(codes) => {
            let mut masked = codes.clone();
            for code in &mut masked {
                code.validation_id = Secret::new("masked");
            }
            assert_eq!(format!("{codes:?}"), format!("{masked:?}"));
        }
        Err(detail) => assert_bounded("validation codes answer", &detail),
    }
    let decoded = ErrorBody::decode(body);
    let error = Error::Api(Box::new(ApiError {
        status,
        code: decoded.code().map(str::to_owned),
        description: decoded.description().map(str::to_owned),
        call: CallContext {
            method: reqwest::Method::GET,
            path: "/v1/customers/0c39d6d5-c70d-4c55-bc02-f620844f3fd1/qualification".to_owned(),
            ids: RequestIds {
                request_id: "request".to_owned(),
                correlation_id: "correlation".into(),
            },
            caller: Caller::AppUser,
        },
        retry_after: decoded.retry_after(),
    }));
    assert_bounded("API error", &error.to_string());
    let _ = (error.is_not_found(), error.retry_decision());
    assert_bounded_diagnostics("API error", &Diagnostics::from(error));
    let text = String::from_utf8_lossy(body);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let _ = (
        parse_retry_after(&text, now),
        retry_after_from_message(&text),
    );
}

// ---- the provider configuration ----

impl Env for HashMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// The provider block and environment one input describes, with every sensitive value
/// replaced by `secret` when given.
fn configuration(data: &[u8], secret: Option<&str>) -> (Config, HashMap<String, String>) {
    // Byte 0: which settings come from the block; byte 1: which of those are unknown; then
    // the values, each ended by a zero byte.
    let (in_block, unknown) = match data {
        [a, b, ..] => (*a, *b),
        _ => (0, 0),
    };
    let mut values = data.get(2..).unwrap_or_default().split(|b| *b == 0);
    let mut block = Value::object::<&str>([]);
    let mut env = HashMap::new();
    for (i, attribute) in Config::attributes().into_iter().enumerate() {
        let Some(raw) = values.next() else { break };
        let mut text = String::from_utf8_lossy(raw).into_owned();
        if let Some(secret) = secret.filter(|_| attribute.sensitive && !text.is_empty()) {
            text = secret.to_owned();
        }
        // Settings past the eighth bit always come from the environment.
        let bit = |mask: u8| i < 8 && mask & (1 << i) != 0;
        if !bit(in_block) {
            env.insert(variable(attribute.name), text);
            continue;
        }
        // A value of the attribute's own type, as Terraform would send it.
        let value = match &attribute.ty {
            _ if bit(unknown) => Value::Unknown,
            Type::Number => text.parse::<Number>().map_or(Value::Null, Value::Number),
            Type::Bool => text.parse::<bool>().map_or(Value::Null, Value::Bool),
            _ => Value::string(text),
        };
        block.set_attr(attribute.name, value);
    }
    let config = Config::from_value(&block).expect("values of the attributes' own types");
    (config, env)
}

/// The provider block and `PARTNERCENTER_*` variables as one input sets them: reading them
/// gives short diagnostics, and neither they nor the client configuration read depend on what
/// the sensitive values are, only on whether they are set.
pub fn provider_configuration(data: &[u8]) {
    let resolve = |secret| {
        let (config, env) = configuration(data, secret);
        let validated = validate(&config);
        match configure(&config, &env, "fuzzing".to_owned()) {
            Ok(client) => (validated, format!("{client:?}")),
            Err(diagnostics) => (validated, format!("{diagnostics:?}")),
        }
    };
    let (validated, resolved) = resolve(None);
    assert_bounded_diagnostics("validate", &validated);
    assert_bounded("resolve", &resolved);
    let (validated_masked, resolved_masked) = resolve(Some("masked"));
    assert_eq!(validated, validated_masked, "validate depends on a secret");
    assert_eq!(resolved, resolved_masked, "resolve depends on a secret");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::framework::Attr;

    /// Runs a target on every committed seed: the seeds hold the inputs of past crashes too.
    fn run_seeds(target: &str, run: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).expect("the seed folder") {
            let path = entry.expect("a seed").path();
            run(&std::fs::read(&path).expect("a readable seed"));
            count += 1;
        }
        assert!(count > 0, "no seeds in {}", dir.display());
    }

    #[test]
    fn dynamic_value_seeds_pass() {
        run_seeds("dynamic_value", dynamic_value);
    }

    #[test]
    fn partner_center_answer_seeds_pass() {
        run_seeds("partner_center_answer", partner_center_answer);
    }

    #[test]
    fn provider_configuration_seeds_pass() {
        run_seeds("provider_configuration", provider_configuration);
    }

    #[test]
    fn an_input_sets_the_block_and_the_environment() {
        // base_url (bit 0 clear) from the environment, access_token (bit 1) in the block.
        let input = b"\x02\x00https://x\x00tok";
        let (config, env) = configuration(input, None);
        assert_eq!(config.access_token, Attr::Known("tok".to_owned()));
        assert_eq!(config.base_url, Attr::Null);
        assert_eq!(
            env.get("PARTNERCENTER_BASE_URL").map(String::as_str),
            Some("https://x")
        );
        assert_eq!(env.get("PARTNERCENTER_ACCESS_TOKEN"), None);
        let (masked, _) = configuration(input, Some("masked"));
        assert_eq!(masked.access_token, Attr::Known("masked".to_owned()));
        // Unknown in the block.
        let (config, _) = configuration(b"\x01\x01x", None);
        assert_eq!(config.base_url, Attr::Unknown);
    }
}
