//! The provider binary: started by Terraform as a plugin, or by a developer with a flag.

use std::process::ExitCode;

use terraform_provider_partnercenter::framework::server::GrpcProvider;
use terraform_provider_partnercenter::plugin::{self, PluginError, ServeMode};
use terraform_provider_partnercenter::provider::PartnerCenterProvider;
use terraform_provider_partnercenter::{logging, provider};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

const USAGE: &str = "\
terraform-provider-partnercenter: the Terraform provider for Microsoft Partner Center.

Terraform starts this binary itself; see the README to install it.

Options:
  --version   print the version and exit
  --debug     serve without Terraform and print the TF_REATTACH_PROVIDERS value to export
  --docs DIR  write the Registry documentation generated from the schema into DIR
  --help      print this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => run(ServeMode::Terraform),
        ["--debug"] => run(ServeMode::Debug {
            provider_address: provider::PROVIDER_ADDRESS.to_owned(),
        }),
        ["--version" | "-v" | "version"] => {
            println!(
                "terraform-provider-partnercenter {}",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        ["--docs", dir] => match provider::docs::write_all(std::path::Path::new(dir)) {
            Ok(written) => {
                for path in written {
                    println!("wrote {}", path.display());
                }
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("Error: could not write the docs: {err}");
                ExitCode::FAILURE
            }
        },
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Why the provider could not serve.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("could not install the signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

fn run(mode: ServeMode) -> ExitCode {
    logging::init();
    match serve(mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn serve(mode: ServeMode) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // The work is network-bound; a few threads serve Terraform's parallelism easily.
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let debug = matches!(mode, ServeMode::Debug { .. });
    let result = runtime.block_on(async {
        // Installed here, before the handshake line: Terraform may send Ctrl-C as soon as it has
        // read it, and a handler installed by a task could come too late on a busy machine.
        let signals = Signals::install().map_err(RunError::Signals)?;
        let shutdown = CancellationToken::new();
        tokio::spawn(signals.stop_on(shutdown.clone(), debug));
        let provider = GrpcProvider::new(PartnerCenterProvider::new());
        Ok(plugin::serve(provider, mode, shutdown).await?)
    });
    // Do not wait for stragglers (e.g. a retry sleeping): Terraform has what it needs.
    runtime.shutdown_background();
    result
}

/// Terraform sends Ctrl-C to its whole process group and then stops plugins itself through
/// StopProvider and Shutdown; dying on SIGINT would lose the record of what an apply did.
/// So SIGINT is ignored under Terraform (and stops a `--debug` server); SIGTERM always stops.
#[derive(Debug)]
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    /// From this call on, the signals are ours; needs the runtime.
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn stop_on(mut self, shutdown: CancellationToken, debug: bool) {
        loop {
            tokio::select! {
                _ = self.interrupt.recv() => {
                    if debug {
                        break;
                    }
                    tracing::debug!("ignoring SIGINT: Terraform stops plugins through StopProvider");
                }
                _ = self.terminate.recv() => break,
            }
        }
        shutdown.cancel();
    }
}
