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

/// The fuzzer sent 64 MiB values; 1 MiB shows the same (and keeps debug builds quick).
fn huge() -> String {
    "0".repeat(1024 * 1024)
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

/// Every diagnostic's text is short, and there is at least one error.
fn assert_bounded_errors(diagnostics: &[proto::Diagnostic], what: &str) {
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
}

async fn validate_resource(config: proto::DynamicValue) -> Vec<proto::Diagnostic> {
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let request = proto::validate_resource_config::Request {
        type_name: TYPE_NAME.to_owned(),
        config: Some(config),
        ..Default::default()
    };
    server
        .validate_resource_config(Request::new(request))
        .await
        .expect("an answer, not a status")
        .into_inner()
        .diagnostics
}

#[tokio::test]
async fn long_resource_values_are_quoted_by_their_beginning() {
    let diagnostics = validate_resource(object(&[
        ("customer_id", Value::string(huge())),
        ("qualification", Value::string(huge())),
    ]))
    .await;
    assert_bounded_errors(&diagnostics, "customer_id and qualification");
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    for d in &diagnostics {
        assert!(d.detail.contains("more characters"), "{}", d.detail);
    }
    // An attribute the schema lacks, named by a 64 MiB name; a number spelled by 64 MiB text.
    let unsupported = validate_resource(object(&[(&huge(), Value::string("x"))])).await;
    assert_bounded_errors(&unsupported, "unsupported attribute");
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let mut not_a_number = huge();
    not_a_number.push('x');
    let request = proto::validate_provider_config::Request {
        config: Some(object(&[("max_retries", Value::string(not_a_number))])),
    };
    let answer = server
        .validate_provider_config(Request::new(request))
        .await
        .unwrap()
        .into_inner();
    assert_bounded_errors(&answer.diagnostics, "max_retries text");
}

#[tokio::test]
async fn long_type_names_import_ids_and_urls_are_quoted_by_their_beginning() {
    let server = GrpcProvider::new(PartnerCenterProvider::new());
    let read = server
        .read_resource(Request::new(proto::read_resource::Request {
            type_name: huge(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_bounded_errors(&read.diagnostics, "unknown type name");
    assert_eq!(read.new_state, None);

    let import = server
        .import_resource_state(Request::new(proto::import_resource_state::Request {
            type_name: TYPE_NAME.to_owned(),
            id: huge(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_bounded_errors(&import.diagnostics, "import id");

    let configure = server
        .configure_provider(Request::new(proto::configure_provider::Request {
            config: Some(object(&[
                ("base_url", Value::string(format!("https://{}", huge()))),
                ("authority_url", Value::string(huge())),
                ("max_retries", Value::number(u64::MAX)),
                ("access_token", Value::string("t")),
            ])),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_bounded_errors(&configure.diagnostics, "provider URLs");
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
        assert_bounded_errors(&diagnostics, expected);
        assert!(
            diagnostics.iter().any(|d| d.detail.contains(expected)),
            "{diagnostics:?}"
        );
    }
}
