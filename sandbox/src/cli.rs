//! The `partnercenter-sandbox` command line: flags, the listening line, and signal handling.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(unix)]
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::{Cloud, RateLimit, SandboxConfig, SandboxError, persist, spawn};

const USAGE: &str = "\
usage: partnercenter-sandbox [--listen ADDR] [--seed FILE] [--state FILE] [--customers N]
                             [--fault-seed N] [--rate-limit N] [--cloud CLOUD]

  --listen ADDR    address to listen on (default 127.0.0.1:0, a free port)
  --seed FILE      JSON seed (default: the built-in demo seed)
  --state FILE     keep the state in this JSON file (loaded if it exists, written atomically)
  --customers N    add N customers with ids 00000000-0000-4000-8000-000000000001 and up
  --fault-seed N   seed the dice of injected faults, so that a run can be replayed
  --rate-limit N   throttle the partner's API requests to N per second (429 with Retry-After)
  --cloud CLOUD    pose as the Partner Center of public (default), usgovernment or china: the
                   token endpoint then requires that cloud's resource

Prints `partnercenter-sandbox listening on http://ADDR` on stdout once ready; logs go to
stderr. SIGTERM or Ctrl-C stops it after writing the state file.";

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}\n\n{USAGE}")]
    Usage(String),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("could not start: {0}")]
    Io(#[from] std::io::Error),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<SandboxConfig>, CliError> {
    let mut config = SandboxConfig::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| CliError::Usage(format!("{flag} needs a value")))?;
        let invalid = |what: &str| CliError::Usage(format!("{flag}: {value:?} is not {what}"));
        match flag.as_str() {
            "--listen" => {
                config.listen = value
                    .parse::<SocketAddr>()
                    .map_err(|_| invalid("an address"))?
            }
            "--seed" => config.seed = persist::load(&PathBuf::from(&value))?,
            "--state" => config.state_file = Some(PathBuf::from(value)),
            "--customers" => {
                config.generated_customers = value.parse().map_err(|_| invalid("a count"))?;
            }
            "--fault-seed" => {
                config.fault_seed = Some(value.parse().map_err(|_| invalid("a seed"))?);
            }
            "--rate-limit" => {
                let limit = RateLimit {
                    requests_per_second: value.parse().map_err(|_| invalid("a rate"))?,
                    burst: None,
                };
                limit.validate().map_err(|_| invalid("a rate above 0"))?;
                config.rate_limit = Some(limit);
            }
            "--cloud" => {
                config.cloud = Cloud::from_name(&value)
                    .ok_or_else(|| invalid("public, usgovernment or china"))?;
            }
            other => return Err(CliError::Usage(format!("unknown flag {other}"))),
        }
    }
    Ok(Some(config))
}

/// SIGTERM and SIGINT (Ctrl-C), listened for from before the address is printed: a signal sent
/// as soon as the address is read must stop the sandbox cleanly, not kill it. On Windows, the
/// console's Ctrl-C and Ctrl-Break.
struct StopSignals {
    #[cfg(unix)]
    term: Signal,
    #[cfg(unix)]
    interrupt: Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    #[cfg(windows)]
    ctrl_break: tokio::signal::windows::CtrlBreak,
}

impl StopSignals {
    #[cfg(unix)]
    fn listen() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(windows)]
    fn listen() -> std::io::Result<Self> {
        Ok(Self {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
            ctrl_break: tokio::signal::windows::ctrl_break()?,
        })
    }

    #[cfg(unix)]
    async fn received(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }

    #[cfg(windows)]
    async fn received(mut self) {
        tokio::select! {
            _ = self.ctrl_c.recv() => {}
            _ = self.ctrl_break.recv() => {}
        }
    }
}

async fn serve(config: SandboxConfig) -> Result<(), CliError> {
    let stop = StopSignals::listen()?;
    let running = spawn(config).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "partnercenter-sandbox listening on {}",
        running.url()
    )?;
    stdout.flush()?;
    drop(stdout);
    stop.received().await;
    tracing::info!("stopping");
    running.shutdown().await?;
    Ok(())
}

/// The binary's `main`.
pub fn run_cli() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(tracing::Level::INFO)
        .init();
    let outcome = parse_args(std::env::args().skip(1)).and_then(|config| {
        let Some(config) = config else {
            println!("{USAGE}");
            return Ok(());
        };
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve(config))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("partnercenter-sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<SandboxConfig>, CliError> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_in_both_forms() {
        let config = parse(&[
            "--listen",
            "127.0.0.1:8080",
            "--customers=3",
            "--state",
            "s.json",
            "--fault-seed=42",
            "--rate-limit",
            "12.5",
            "--cloud=China",
        ])
        .expect("valid")
        .expect("not help");
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.generated_customers, 3);
        assert_eq!(config.state_file, Some(PathBuf::from("s.json")));
        assert_eq!(config.fault_seed, Some(42));
        assert_eq!(
            config.rate_limit,
            Some(RateLimit {
                requests_per_second: 12.5,
                burst: None
            })
        );
        assert_eq!(config.cloud, Cloud::China);
        assert!(parse(&["--help"]).expect("valid").is_none());
    }

    #[test]
    fn bad_flags_explain_themselves() {
        for (args, expected) in [
            (&["--listen", "nowhere"][..], "not an address"),
            (&["--customers", "-1"][..], "not a count"),
            (&["--fault-seed", "x"][..], "not a seed"),
            (&["--rate-limit", "0"][..], "not a rate above 0"),
            (
                &["--cloud", "germany"][..],
                "not public, usgovernment or china",
            ),
            (&["--state"][..], "needs a value"),
            (&["--verbose", "x"][..], "unknown flag"),
        ] {
            let message = parse(args).expect_err("invalid").to_string();
            assert!(message.contains(expected), "{message}");
        }
    }
}
