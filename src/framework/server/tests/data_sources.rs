//! The data source RPCs.

use super::*;
use fixtures::ECHO;

#[tokio::test]
async fn a_read_only_data_source_needs_no_validate() {
    let server = configured().await;
    let validate = proto::validate_data_resource_config::Request {
        type_name: ECHO.to_owned(),
        config: Some(thing("a")),
    };
    let validated = call(
        &server,
        ProviderRpc::validate_data_resource_config,
        validate,
    )
    .await;
    assert!(validated.diagnostics.is_empty());
    let read = proto::read_data_source::Request {
        type_name: ECHO.to_owned(),
        config: Some(thing("a")),
        ..Default::default()
    };
    let read = call(&server, ProviderRpc::read_data_source, read).await;
    assert_eq!(read.state, Some(thing("a")));
}
