//! Calls a protocol fuzzer sent the provider, as regression tests: every diagnostic stays
//! short however long the value it is about, and bytes go-cty never writes are refused.
//! The calls go straight to the provider's gRPC service, in process, as Terraform makes them.

use terraform_provider_partnercenter::framework::server::GrpcProvider;
use terraform_provider_partnercenter::protocol::tfplugin6 as proto;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_server::Provider as _;
use terraform_provider_partnercenter::protocol::value::msgpack;
use terraform_provider_partnercenter::protocol::{Type, Value};
use terraform_provider_partnercenter::provider::PartnerCenterProvider;
use terraform_provider_partnercenter::provider::resources::customer_qualification::TYPE_NAME;
use tonic::Request;

/// The fuzzer sent 64 MiB values; 1 MiB shows the same (and keeps debug builds quick). Each
/// begins with `beginning`, so that a diagnostic shows which value it quotes, and from where.
fn huge(beginning: &str) -> String {
    format!("{beginning}{}", "0".repeat(1024 * 1024))
}

/// Asserts that some diagnostic quotes `value` by its beginning: `"<the first characters>"`
/// then `… (N more characters)`, N counting the rest.
fn assert_quotes_the_beginning(diagnostics: &[proto::Diagnostic], value: &str) {
    let beginning: String = value.chars().take(8).collect();
    let quoted = diagnostics.iter().find_map(|d| {
        [&d.summary, &d.detail].into_iter().find_map(|text| {
            let (_, from) = text.split_once(&format!("\"{beginning}"))?;
            let (shown, rest) = from.split_once("\"… (")?;
            let (more, _) = rest.split_once(" more characters)")?;
            Some((format!("{beginning}{shown}"), more.parse::<usize>().ok()?))
        })
    });
    let Some((shown, more)) = quoted else {
        panic!("no diagnostic quotes the value beginning {beginning:?}: {diagnostics:?}")
    };
    assert!(
        value.starts_with(&shown),
        "{shown:?} is not where the value begins"
    );
    assert_eq!(
        shown.chars().count() + more,
        value.chars().count(),
        "{shown:?} and {more} more characters are not the whole value"
    );
}

/// An object holding `attrs` (the others are left out, which reads as null).
fn object(attrs: &[(&str, Value)]) -> proto::DynamicValue {
    let ty = Type::object(attrs.iter().map(|(name, v)| {
        let ty = if v.as_number().is_some() {
            Type::Number
        } else {
            Type::String
        };
        (*name, ty)
    }));
    let value = Value::object(attrs.iter().cloned());
    proto::DynamicValue {
        msgpack: msgpack::encode(&value, &ty).expect("an object of its own type"),
        json: Vec::new(),
    }
}

fn raw(msgpack: Vec<u8>) -> proto::DynamicValue {
    proto::DynamicValue {
        msgpack,
        json: Vec::new(),
    }
}

/// Every diagnostic's text is short, there is at least one error, and each of `values` is
/// quoted by its beginning.
fn assert_bounded_errors(diagnostics: &[proto::Diagnostic], what: &str, values: &[&str]) {
    assert!(
        diagnostics
            .iter()
            .any(|d| d.severity == proto::diagnostic::Severity::Error as i32),
        "{what}: no error in {diagnostics:?}"
    );
    for d in diagnostics {
        let length = d.summary.len() + d.detail.len();
        assert!(length < 1024, "{what}: a diagnostic of {length} bytes");
    }
    for value in values {
        assert_quotes_the_beginning(diagnostics, value);
    }
}

/// What an in-process call of the provider's service answered; a gRPC status instead of an
/// answer fails the test (the provider reports every problem as a diagnostic).
async fn answer<T>(call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>) -> T {
    call.await.expect("an answer, not a status").into_inner()
}

async fn validate_resource(config: proto::DynamicValue) -> Vec<proto::Diagnostic> {
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let request = proto::validate_resource_config::Request {
        type_name: TYPE_NAME.to_owned(),
        config: Some(config),
        ..Default::default()
    };
    answer(server.validate_resource_config(Request::new(request)))
        .await
        .diagnostics
}

#[tokio::test]
async fn long_resource_values_are_quoted_by_their_beginning() {
    let customer_id = huge("customer-");
    let qualification = huge("qualification-");
    let diagnostics = validate_resource(object(&[
        ("customer_id", Value::string(customer_id.clone())),
        ("qualification", Value::string(qualification.clone())),
    ]))
    .await;
    assert_bounded_errors(
        &diagnostics,
        "customer_id and qualification",
        &[&customer_id, &qualification],
    );
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    // An attribute the schema lacks, named by a 64 MiB name; a number spelled by 64 MiB text.
    let name = huge("attribute-");
    let unsupported = validate_resource(object(&[(&name, Value::string("x"))])).await;
    assert_bounded_errors(&unsupported, "unsupported attribute", &[&name]);
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let not_a_number = huge("retries-");
    let request = proto::validate_provider_config::Request {
        config: Some(object(&[(
            "max_retries",
            Value::string(not_a_number.clone()),
        )])),
    };
    let validated = answer(server.validate_provider_config(Request::new(request))).await;
    assert_bounded_errors(&validated.diagnostics, "max_retries text", &[&not_a_number]);
}

#[tokio::test]
async fn long_type_names_import_ids_and_urls_are_quoted_by_their_beginning() {
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let type_name = huge("type-");
    let read = answer(
        server.read_resource(Request::new(proto::read_resource::Request {
            type_name: type_name.clone(),
            ..Default::default()
        })),
    )
    .await;
    assert_bounded_errors(&read.diagnostics, "unknown type name", &[&type_name]);
    assert_eq!(read.new_state, None);

    let id = huge("import-");
    let import = answer(server.import_resource_state(Request::new(
        proto::import_resource_state::Request {
            type_name: TYPE_NAME.to_owned(),
            id: id.clone(),
            ..Default::default()
        },
    )))
    .await;
    assert_bounded_errors(&import.diagnostics, "import id", &[&id]);

    let authority_url = huge("authority-");
    let configure = answer(server.configure_provider(Request::new(
        proto::configure_provider::Request {
            config: Some(object(&[
                (
                    "base_url",
                    Value::string(format!("https://{}", huge("base-"))),
                ),
                ("authority_url", Value::string(authority_url.clone())),
                ("max_retries", Value::number(u64::MAX)),
                ("access_token", Value::string("t")),
            ])),
            ..Default::default()
        },
    )))
    .await;
    assert_bounded_errors(&configure.diagnostics, "provider URLs", &[&authority_url]);
}

#[tokio::test]
async fn bytes_go_cty_never_writes_are_refused() {
    // {"customer_id": 0xc1}, then the same with an extension of type 7 as the value.
    let mut reserved = vec![0x81, 0xab];
    reserved.extend_from_slice(b"customer_id");
    let mut extension = reserved.clone();
    reserved.push(0xc1);
    extension.extend_from_slice(&[0xd4, 0x07, 0x00]);
    for (bytes, expected) in [
        (reserved, "is 0xc1, which msgpack reserves"),
        (extension, "extension type 7"),
    ] {
        let diagnostics = validate_resource(raw(bytes)).await;
        assert_bounded_errors(&diagnostics, expected, &[]);
        assert!(
            diagnostics.iter().any(|d| d.detail.contains(expected)),
            "{diagnostics:?}"
        );
    }
}
