//! The `--state` file: loaded at start, rewritten atomically after changes and at shutdown.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::seed::Seed;
use crate::{App, SandboxError, lock};

/// Changes closer together than this share one write, so a burst of PUTs costs one fsync.
const DEBOUNCE: Duration = Duration::from_millis(50);

pub(crate) fn load(path: &Path) -> Result<Seed, SandboxError> {
    let text = std::fs::read(path).map_err(|source| SandboxError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|source| SandboxError::Seed {
        path: path.to_owned(),
        source,
    })
}

/// Writes to a temporary file in the same directory, syncs it, and renames it over `path`:
/// a crash leaves either the old file or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, seed: &Seed) -> Result<(), SandboxError> {
    let io = |source| SandboxError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    serde_json::to_writer_pretty(&mut file, seed).map_err(|e| io(e.into()))?;
    file.write_all(b"\n").map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    // The rename itself is durable only once the directory is synced.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)
}

/// Snapshots the state under the lock, then writes it on a blocking thread, without the lock.
async fn save(app: &App, path: &Path) -> Result<(), SandboxError> {
    let seed = lock(&app.state).to_seed();
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || write_atomically(&owned, &seed)).await?
}

/// Writes after each burst of changes until `stop`, then once more for the last changes.
pub(crate) async fn run_writer(
    app: Arc<App>,
    path: PathBuf,
    stop: CancellationToken,
) -> Result<(), SandboxError> {
    loop {
        tokio::select! {
            () = app.changed.notified() => {}
            () = stop.cancelled() => break,
        }
        tokio::time::sleep(DEBOUNCE).await;
        if let Err(error) = save(&app, &path).await {
            // A failed write must not stop the sandbox; the next change tries again.
            tracing::error!("could not save the state: {error}");
        }
    }
    save(&app, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, &Seed::demo()).expect("written");
        assert_eq!(load(&path).expect("loads"), Seed::demo());
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn load_reports_the_path() {
        let missing = Path::new("/nonexistent/state.json");
        let message = load(missing).expect_err("missing").to_string();
        assert!(message.contains("/nonexistent/state.json"), "{message}");
    }
}
