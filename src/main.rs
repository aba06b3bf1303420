//! The provider binary: started by Terraform as a plugin, or by a developer with a flag.

use std::process::ExitCode;

use terraform_provider_partnercenter::framework::server::GrpcProvider;
use terraform_provider_partnercenter::plugin::{self, PluginError, ServeMode};
use terraform_provider_partnercenter::provider::PartnerCenterProvider;
use terraform_provider_partnercenter::{logging, provider};
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
/// StopProvider and Shutdown; dying on Ctrl-C would lose the record of what an apply did.
/// So Ctrl-C is ignored under Terraform (and stops a `--debug` server), as go-plugin's servers
/// do. On unix that is SIGINT, and SIGTERM always stops. On Windows the console delivers
/// CTRL_C_EVENT (and CTRL_BREAK_EVENT) to every process attached to it, the plugin included;
/// Go reads both as an interrupt, and so do we. Windows has no SIGTERM: closing the console, a
/// logoff or a shutdown end the process, as they end Go plugins.
#[derive(Debug)]
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    #[cfg(windows)]
    ctrl_break: tokio::signal::windows::CtrlBreak,
}

/// What a signal asks of the plugin.
#[derive(Debug, PartialEq, Eq)]
enum Signalled {
    Interrupt,
    #[cfg(unix)]
    Terminate,
}

impl Signals {
    /// From this call on, the signals are ours; needs the runtime.
    #[cfg(unix)]
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// From this call on, Ctrl-C and Ctrl-Break are ours (a console handler that answers them
    /// keeps Windows' default, which ends the process, from running); needs the runtime.
    #[cfg(windows)]
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
            ctrl_break: tokio::signal::windows::ctrl_break()?,
        })
    }

    #[cfg(unix)]
    async fn next(&mut self) -> Signalled {
        tokio::select! {
            _ = self.interrupt.recv() => Signalled::Interrupt,
            _ = self.terminate.recv() => Signalled::Terminate,
        }
    }

    #[cfg(windows)]
    async fn next(&mut self) -> Signalled {
        tokio::select! {
            _ = self.ctrl_c.recv() => Signalled::Interrupt,
            _ = self.ctrl_break.recv() => Signalled::Interrupt,
        }
    }

    async fn stop_on(mut self, shutdown: CancellationToken, debug: bool) {
        while self.next().await == Signalled::Interrupt && !debug {
            tracing::debug!("ignoring Ctrl-C: Terraform stops plugins through StopProvider");
        }
        shutdown.cancel();
    }
}
