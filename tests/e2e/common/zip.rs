//! Zip files (a release's archive, a saved plan), read with Python's zipfile: Python is
//! already needed to install Terraform, and this keeps a zip library out of the dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::text;

/// Runs `script` with Python 3, the zip and `args` as its arguments; its stdout.
fn python(script: &str, zip: &Path, args: &[&Path]) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(zip)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): scripts/test.sh needs it too"));
    assert!(
        output.status.success(),
        "python3 on {}: {}",
        zip.display(),
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Each entry of `zip` as `name mode`, e.g. `terraform-provider-x 0o100755`.
pub(crate) fn entries(zip: &Path) -> Vec<String> {
    python(
        "import sys, zipfile\n\
         for i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))",
        zip,
        &[],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Extracts every entry of `zip`, decompressed, into `into`; the files written.
pub(crate) fn extract(zip: &Path, into: &Path) -> Vec<PathBuf> {
    python(
        "import sys, zipfile\n\
         archive = zipfile.ZipFile(sys.argv[1])\n\
         for name in archive.namelist(): print(archive.extract(name, sys.argv[2]))",
        zip,
        &[into],
    )
    .lines()
    .map(PathBuf::from)
    .filter(|path| path.is_file())
    .collect()
}
