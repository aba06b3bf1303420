#!/usr/bin/env python3
"""Builds the release artifacts of terraform-provider-partnercenter, for every platform.

Writes, under OUT (default: dist/), the layout `terraform providers mirror` produces, so OUT
works as a `filesystem_mirror` (and, served over HTTPS, as a network mirror) as it is:

  OUT/registry.terraform.io/partnercenter-oss/partnercenter/
    terraform-provider-partnercenter_<version>_<os>_<arch>.zip   the provider, one per platform
    index.json, <version>.json                                   the mirror's index, with hashes
    terraform-provider-partnercenter_<version>_manifest.json     the registry manifest
    partnercenter-sandbox_<version>_<os>_<arch>.zip              the local Partner Center sandbox,
                                                                 one per platform (not part of
                                                                 the mirror: Terraform ignores it)
    terraform-provider-partnercenter_<version>_SHA256SUMS        sums of every zip and the manifest
    terraform-provider-partnercenter_<version>_SHA256SUMS.sig    detached binary GPG signature
    terraform-provider-partnercenter_<version>_signing-key.asc   the signer's public key

The platforms are linux_amd64, linux_arm64, darwin_amd64, darwin_arm64 and windows_amd64, each
built by scripts/crossbuild.py (which installs its compilers itself). The provider zips, the
manifest, the SHA256SUMS and its .sig are what the Terraform Registry takes from a release; the
public key is what the publisher adds to the Registry (and a user imports to verify a download).
Without PARTNERCENTER_GPG_KEY_ID the release is built UNSIGNED: no .sig and no key, and a
warning says so.

usage: scripts/release.py [--platforms LIST] [--profile PROFILE] [--out DIR]

  --platforms LIST   comma-separated platforms to build, for a quicker local build; default all
                     five (or PARTNERCENTER_PLATFORMS)
  --profile PROFILE  the Cargo profile (default: release; the tests use cross-test)
  --out DIR          where to write (default: <repo>/dist)

environment:
  PARTNERCENTER_PLATFORMS   the platforms, as --platforms takes them
  PARTNERCENTER_GPG_KEY_ID  the key to sign with (fingerprint, key id or e-mail), as gpg's
                            --local-user takes it; an RSA or DSA key, since the Registry
                            accepts no other. gpg runs with --batch, so a passphrase comes
                            from gpg-agent: its cache, or its pinentry (for the terminal one,
                            export GPG_TTY=$(tty)).
  GNUPGHOME                 the keyring gpg uses (default: ~/.gnupg)
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import crossbuild  # noqa: E402  (after the line above)

REPO = Path(__file__).resolve().parent.parent
NAME = "terraform-provider-partnercenter"
SANDBOX = "partnercenter-sandbox"
HOSTNAME, NAMESPACE, TYPE = "registry.terraform.io", "partnercenter-oss", "partnercenter"
# The plugin protocol the binary speaks (the registry reads this from the manifest).
PROTOCOL_VERSIONS = ["6.0"]
KEY_ID_VARIABLE = "PARTNERCENTER_GPG_KEY_ID"
# OpenPGP public-key algorithm ids (RFC 4880, 9.1) of the key types the Terraform Registry
# accepts: RSA (1, and 3 for sign-only) and DSA (17). It refuses ECC keys, which gpg makes by
# default since 2.3.
REGISTRY_KEY_ALGORITHMS = {"1", "3", "17"}


class ReleaseError(Exception):
    """A reason the release cannot be built, said to the publisher as is."""


def crate_version():
    text = (REPO / "Cargo.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    if not match:
        sys.exit("release: no version in Cargo.toml")
    return match.group(1)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def h1_hash(zip_path):
    """Terraform's "h1:" package hash: dirhash.Hash1 over the files inside the zip."""
    lines = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(n for n in archive.namelist() if not n.endswith("/")):
            lines.append(f"{sha256_hex(archive.read(name))}  {name}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def write_zip(binary, entry, zip_path):
    """A zip of the one executable `binary`, named `entry` inside."""
    info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
    # Unix mode bits in the high half: Terraform keeps them when it unpacks, and a provider
    # that is not executable cannot be started.
    info.external_attr = (0o100755 << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(info, binary.read_bytes())


def gpg(*args):
    program = shutil.which("gpg")
    if program is None:
        raise ReleaseError(
            f"release: {KEY_ID_VARIABLE} is set but gpg is not installed "
            "(apt-get install gnupg); unset it to build an unsigned release"
        )
    return subprocess.run([program, "--batch", *args], capture_output=True, text=True)


def keyring():
    return os.environ.get("GNUPGHOME") or "~/.gnupg"


def cannot_sign(key_id, gpg_said):
    return ReleaseError(
        f"release: gpg cannot sign with {KEY_ID_VARIABLE}={key_id!r} "
        f"(keyring {keyring()}):\n{gpg_said.strip()}"
    )


def check_secret_key(key_id):
    """Fails before the build, rather than after it, when the keyring has no such secret key."""
    result = gpg("--list-secret-keys", "--", key_id)
    if result.returncode != 0:
        raise cannot_sign(key_id, result.stderr)


def sign(sums, signature, key_id):
    """Writes the detached binary signature of `sums` (the Registry takes no ASCII armor) and
    returns the fingerprint of the key that made it."""
    result = gpg(
        "--status-fd", "1", "--local-user", key_id,
        "--output", str(signature), "--detach-sign", str(sums),
    )
    created = [line.split() for line in result.stdout.splitlines() if " SIG_CREATED " in line]
    if result.returncode != 0 or not created:
        signature.unlink(missing_ok=True)
        raise cannot_sign(
            key_id,
            result.stderr.strip() + "\nrelease: a key with a passphrase is unlocked by gpg-agent; "
            "for its prompt in this terminal, export GPG_TTY=$(tty)",
        )
    # [GNUPG:] SIG_CREATED <type> <key algorithm> <hash algorithm> <class> <time> <fingerprint>
    algorithm, fingerprint = created[0][3], created[0][7]
    if algorithm not in REGISTRY_KEY_ALGORITHMS:
        signature.unlink()
        raise ReleaseError(
            f"release: the key {fingerprint} ({KEY_ID_VARIABLE}={key_id!r}) is not RSA or DSA "
            f"(OpenPGP algorithm {algorithm}); the Terraform Registry accepts only RSA and DSA "
            "signing keys"
        )
    return fingerprint


def export_public_key(fingerprint, path):
    result = gpg("--armor", "--export", fingerprint)
    if result.returncode != 0 or "BEGIN PGP PUBLIC KEY BLOCK" not in result.stdout:
        raise ReleaseError(
            f"release: gpg cannot export the public key {fingerprint}:\n{result.stderr.strip()}"
        )
    path.write_text(result.stdout)


def main():
    try:
        release()
    except (ReleaseError, crossbuild.CrossBuildError) as error:
        sys.exit(str(error))


def executable_name(name, platform):
    return name + (".exe" if platform.startswith("windows") else "")


def release():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--platforms", default=crossbuild.default_platforms())
    parser.add_argument("--profile", default="release")
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    args = parser.parse_args()

    version = crate_version()
    platforms = crossbuild.parse_platforms(args.platforms)
    key_id = os.environ.get(KEY_ID_VARIABLE, "").strip()
    if key_id:
        check_secret_key(key_id)
    built = crossbuild.build_all(platforms, [NAME, SANDBOX], args.profile)

    out = args.out.resolve() / HOSTNAME / NAMESPACE / TYPE
    out.mkdir(parents=True, exist_ok=True)
    manifest_name = f"{NAME}_{version}_manifest.json"
    sums_name = f"{NAME}_{version}_SHA256SUMS"
    signature_name = f"{sums_name}.sig"
    key_name = f"{NAME}_{version}_signing-key.asc"
    # A signature left by an earlier run would vouch for sums it never saw, and zips of
    # platforms not built this time would be listed by no sums.
    for stale in [signature_name, key_name, *(p.name for p in out.glob("*.zip"))]:
        (out / stale).unlink(missing_ok=True)

    archives = {}
    zips = []
    for platform in platforms:
        zip_name = f"{NAME}_{version}_{platform}.zip"
        entry = executable_name(f"{NAME}_v{version}", platform)
        write_zip(built[platform, NAME], entry, out / zip_name)
        zip_sha = sha256_hex((out / zip_name).read_bytes())
        archives[platform] = {
            "url": zip_name,
            "hashes": [h1_hash(out / zip_name), f"zh:{zip_sha}"],
        }
        sandbox_zip = f"{SANDBOX}_{version}_{platform}.zip"
        write_zip(built[platform, SANDBOX], executable_name(SANDBOX, platform), out / sandbox_zip)
        zips += [zip_name, sandbox_zip]

    manifest = {"version": 1, "metadata": {"protocol_versions": PROTOCOL_VERSIONS}}
    (out / manifest_name).write_text(json.dumps(manifest, indent=2) + "\n")
    sums = "".join(
        f"{sha256_hex((out / name).read_bytes())}  {name}\n"
        for name in sorted([*zips, manifest_name])
    )
    (out / sums_name).write_text(sums)
    (out / f"{version}.json").write_text(json.dumps({"archives": archives}, indent=2) + "\n")
    (out / "index.json").write_text(json.dumps({"versions": {version: {}}}, indent=2) + "\n")

    written = [*zips, manifest_name, sums_name, f"{version}.json", "index.json"]
    if key_id:
        fingerprint = sign(out / sums_name, out / signature_name, key_id)
        export_public_key(fingerprint, out / key_name)
        written += [signature_name, key_name]
        print(f"release: signed {sums_name} with {fingerprint}", file=sys.stderr)
    for name in written:
        print(out / name)
    if not key_id:
        print(
            f"release: UNSIGNED: {KEY_ID_VARIABLE} is not set, so {sums_name} has no .sig and "
            f"the Terraform Registry will not accept this release. Set {KEY_ID_VARIABLE} to "
            "your signing key (and GNUPGHOME to its keyring) to sign it.",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
