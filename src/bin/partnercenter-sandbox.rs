//! `partnercenter-sandbox`: a local Partner Center for the demo, the tests and the benchmarks.

fn main() -> std::process::ExitCode {
    terraform_provider_partnercenter::sandbox::run_cli()
}
