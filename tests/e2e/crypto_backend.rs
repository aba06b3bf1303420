//! The provider the tests drive is the provider users run, as far as its cryptography goes.
//!
//! Cargo compiles one set of features per crate for everything built together, so a
//! dev-dependency that switches on a feature of a crate the provider also uses changes the
//! provider compiled for the tests (and by `cargo build --all-targets`). When the tests' rcgen
//! switched on aws-lc-rs, the plugin made its key with aws-lc in those builds, seeded aws-lc's
//! generator before the handshake line and started thirty times slower than the release build,
//! while every test passed. Here the features of the crates that choose a crypto backend must be
//! the same with and without the dev-dependencies.
//!
//! And aws-lc is in no build, on no platform: ring and p521 do all of the provider's
//! cryptography, and aws-lc's C made every cross build slow.

// Test code: a panic is how it fails.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::process::Command;

/// Crates whose features select which library does the provider's cryptography.
const CRYPTO_CRATES: [&str; 9] = [
    "aws-lc-rs",
    "aws-lc-sys",
    "hyper-rustls",
    "p521",
    "rcgen",
    "ring",
    "rustls",
    "rustls-webpki",
    "tokio-rustls",
];

/// The targets of the five release platforms (scripts/crossbuild.py), whose dependencies differ:
/// the macOS keychain and the Windows certificate store are reached through crates of their own.
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-gnu",
];

/// `{"rustls v0.23.46": "ring,std"}`: the features cargo resolves for each crypto crate in the
/// graph that `selection` and `edges` describe, on every release platform.
fn crypto_features(selection: &str, edges: &str) -> BTreeMap<String, String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "--locked", selection, "--edges", edges])
        .args(TARGETS.iter().flat_map(|target| ["--target", target]))
        .args(["--prefix", "none", "--format", "{p}|{f}"])
        .output()
        .expect("run cargo tree");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| {
            // "rustls v0.23.46|ring,std", with " (*)" after a crate shown before.
            let (package, features) = line.trim_end_matches(" (*)").split_once('|')?;
            let name = package.split(' ').next()?;
            CRYPTO_CRATES
                .contains(&name)
                .then(|| (package.to_owned(), features.to_owned()))
        })
        .collect()
}

#[test]
fn tests_build_the_provider_with_the_crypto_features_of_a_release_build() {
    // What `cargo build --release` compiles: the provider's own dependencies, nothing else.
    let release = crypto_features("--package=terraform-provider-partnercenter", "normal");
    // What `cargo test` and `cargo build --all-targets` compile: every package's dev-dependencies
    // too, and the features they switch on.
    let tests = crypto_features("--workspace", "normal,dev");
    for backend in ["ring", "p521"] {
        assert!(
            release
                .keys()
                .any(|package| package.starts_with(&format!("{backend} "))),
            "{backend} missing from the release graph: {release:?}"
        );
    }
    // A crate only the tests use is not linked into the provider, so only the release
    // graph's crates are compared.
    let changed: Vec<String> = release
        .iter()
        .filter(|(package, features)| tests.get(*package) != Some(*features))
        .map(|(package, features)| {
            let with_tests = tests.get(package).map_or("absent", String::as_str);
            format!("{package}: [{features}] in a release build, [{with_tests}] with the tests")
        })
        .collect();
    assert!(
        changed.is_empty(),
        "the tests' dependencies change the features of the provider's crypto crates; give \
         them the release build's features:\n{}",
        changed.join("\n")
    );
}

#[test]
fn no_build_on_any_platform_compiles_aws_lc() {
    // A feature such as reqwest's `rustls` (aws-lc is its backend) or a test helper's brings it
    // back without any other test noticing.
    let everything = crypto_features("--workspace", "all");
    let aws_lc: Vec<&String> = everything
        .keys()
        .filter(|package| package.starts_with("aws-lc"))
        .collect();
    assert!(
        aws_lc.is_empty(),
        "aws-lc is back in the build: {aws_lc:?}; `cargo tree -i aws-lc-sys --workspace -e all` (with \
         `--target` for other platforms) says who brings it"
    );
}
