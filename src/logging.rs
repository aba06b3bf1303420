//! Logs as go-hclog JSON lines on stderr, which is where and how Terraform reads plugin logs.
//!
//! Terraform parses each stderr line; a line is shown at its own level only with a string
//! `@message`, an `@level` it knows and `@timestamp` in Go's `2006-01-02T15:04:05.000000Z07:00`
//! form. The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`; unset means no logs at all.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Installs the global subscriber; call once, before anything logs.
pub fn init() {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    if level == LevelFilter::OFF {
        return;
    }
    // Our own events at the chosen level; the libraries' (h2, hyper, rustls) only when they
    // warn, or their trace chatter would drown the provider's lines.
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), level)
        .with_default(level.min(LevelFilter::WARN));
    let subscriber = tracing_subscriber::registry().with(HclogLayer.with_filter(filter));
    // Only fails when a subscriber is already set (tests), which is fine.
    let _already_set = tracing::subscriber::set_global_default(subscriber);
}

/// Terraform's level names; `JSON` is Terraform's own "trace, as JSON" setting.
pub fn level_from_env(provider: Option<&str>, general: Option<&str>) -> LevelFilter {
    let chosen = provider
        .filter(|v| !v.trim().is_empty())
        .or(general)
        .unwrap_or("");
    match chosen.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => LevelFilter::TRACE,
        "DEBUG" => LevelFilter::DEBUG,
        "INFO" => LevelFilter::INFO,
        "WARN" => LevelFilter::WARN,
        "ERROR" => LevelFilter::ERROR,
        // An unrecognised non-empty value makes Terraform log at TRACE; follow it.
        "" | "OFF" => LevelFilter::OFF,
        _ => LevelFilter::TRACE,
    }
}

/// The layer that turns tracing events into hclog lines.
#[derive(Debug)]
struct HclogLayer;

/// The fields of a span, kept in its extensions so every line logged inside it carries them
/// (as go-hclog's `With` does for Go providers: `tf_rpc`, `tf_req_id`, …).
#[derive(Default)]
struct SpanFields(Map<String, Value>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for HclogLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = FieldVisitor::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut fields = FieldVisitor::default();
        values.record(&mut fields);
        if let Some(span) = ctx.span(id)
            && let Some(known) = span.extensions_mut().get_mut::<SpanFields>()
        {
            known.0.extend(fields.fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let line = hclog_line(event, span_fields(event, &ctx), OffsetDateTime::now_utc());
        // One write per line so concurrent events never interleave within a line.
        let _ignored = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// The fields of the spans `event` happened in, outermost first, so inner values win.
fn span_fields<S: Subscriber + for<'a> LookupSpan<'a>>(
    event: &Event<'_>,
    ctx: &Context<'_, S>,
) -> Map<String, Value> {
    let mut inherited = Map::new();
    for span in ctx
        .event_scope(event)
        .into_iter()
        .flat_map(|s| s.from_root())
    {
        if let Some(fields) = span.extensions().get::<SpanFields>() {
            inherited.extend(fields.0.clone());
        }
    }
    inherited
}

/// The JSON line of `event`, with the fields of the spans it happened in (its own win).
fn hclog_line(event: &Event<'_>, inherited: Map<String, Value>, now: OffsetDateTime) -> String {
    let mut fields = FieldVisitor::default();
    event.record(&mut fields);
    let metadata = event.metadata();
    let mut object = inherited;
    object.extend(fields.fields);
    object.insert("@level".into(), level_name(*metadata.level()).into());
    object.insert("@message".into(), fields.message.into());
    object.insert("@module".into(), "provider".into());
    object.insert(
        "@timestamp".into(),
        now.format(TIMESTAMP).unwrap_or_default().into(),
    );
    // go-hclog's `@caller` is where the line was logged, as file:line.
    if let (Some(file), Some(number)) = (metadata.file(), metadata.line()) {
        object.insert("@caller".into(), format!("{file}:{number}").into());
    }
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct FieldVisitor {
    message: String,
    fields: Map<String, Value>,
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.insert(field.name().into(), value.into());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _infallible = write!(text, "{value:?}");
        self.record_str(field, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn level_prefers_tf_log_provider() {
        assert_eq!(
            level_from_env(Some("debug"), Some("trace")),
            LevelFilter::DEBUG
        );
        assert_eq!(level_from_env(None, Some("WARN")), LevelFilter::WARN);
        assert_eq!(level_from_env(Some(""), Some("info")), LevelFilter::INFO);
        assert_eq!(level_from_env(None, Some("json")), LevelFilter::TRACE);
        assert_eq!(level_from_env(None, None), LevelFilter::OFF);
        assert_eq!(level_from_env(Some("off"), Some("trace")), LevelFilter::OFF);
    }

    #[test]
    fn lines_have_the_fields_terraform_parses() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(TestLayer(lines.clone()));
        let logged_at = line!() + 2;
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(customer_id = "c1", attempt = 2, "retrying the request");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with('\n'));
        let parsed: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(parsed["@level"], "warn");
        assert_eq!(parsed["@message"], "retrying the request");
        assert_eq!(parsed["@module"], "provider");
        assert_eq!(parsed["@timestamp"], "2023-11-14T22:13:20.123456Z");
        assert_eq!(parsed["@caller"], format!("{}:{logged_at}", file!()));
        assert_eq!(parsed["customer_id"], "c1");
        assert_eq!(parsed["attempt"], 2);
    }

    /// Lines logged inside a span carry its fields, and the innermost value of a field wins.
    #[test]
    fn lines_inside_spans_carry_their_fields() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(TestLayer(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let rpc = tracing::error_span!("rpc", tf_rpc = "ReadResource", tf_req_id = "r1");
            let _entered = rpc.enter();
            let inner = tracing::error_span!("inner", tf_req_id = "r2", attempt = 1);
            inner.in_scope(|| tracing::debug!(status = 200, "Partner Center answered"));
            tracing::debug!(tf_req_duration_ms = 3, "Served request");
        });
        let lines = lines.lock().unwrap();
        let parsed: Vec<Value> = lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0]["tf_rpc"], "ReadResource");
        assert_eq!(parsed[0]["tf_req_id"], "r2");
        assert_eq!(parsed[0]["attempt"], 1);
        assert_eq!(parsed[0]["status"], 200);
        assert_eq!(parsed[1]["tf_req_id"], "r1");
        assert_eq!(parsed[1]["tf_req_duration_ms"], 3);
        assert_eq!(parsed[1]["@message"], "Served request");
        assert!(parsed[1].get("attempt").is_none());
    }

    /// The real layer's span handling and formatting, writing into a buffer instead of stderr
    /// at a fixed time.
    struct TestLayer(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for TestLayer {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            HclogLayer.on_new_span(attrs, id, ctx);
        }

        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            self.0
                .lock()
                .unwrap()
                .push(hclog_line(event, span_fields(event, &ctx), at));
        }
    }
}
