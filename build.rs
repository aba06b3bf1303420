//! Compiles the protocol definitions with protox (pure Rust), so no `protoc` is needed.

const PROTOS: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/plugin/grpc_controller.proto",
    "proto/plugin/grpc_stdio.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        // The client is for the tests, which talk to the plugin the way Terraform does.
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
