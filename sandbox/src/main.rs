//! `partnercenter-sandbox`: a local Partner Center for the demo, the tests and the benchmarks.

fn main() -> std::process::ExitCode {
    partnercenter_sandbox::run_cli()
}
