#!/usr/bin/env python3
"""Builds the release artifacts of terraform-provider-partnercenter.

Writes, under OUT (default: dist/), the layout `terraform providers mirror` produces, so OUT
works as a `filesystem_mirror` (and, served over HTTPS, as a network mirror) as it is:

  OUT/registry.terraform.io/partnercenter-oss/partnercenter/
    terraform-provider-partnercenter_<version>_linux_amd64.zip   the provider binary
    index.json, <version>.json                                   the mirror's index, with hashes
    terraform-provider-partnercenter_<version>_manifest.json     the registry manifest
    terraform-provider-partnercenter_<version>_SHA256SUMS        sums of the zip and the manifest

The zip, the manifest and the SHA256SUMS are what the Terraform Registry takes from a release
(the SHA256SUMS is then signed with the publisher's GPG key, which is not done here).

usage: scripts/release.py [--binary PATH] [--out DIR]

  --binary PATH  package this provider binary instead of building one with
                 `cargo build --release` (the tests package the debug build)
  --out DIR      where to write (default: <repo>/dist)
"""

import argparse
import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = "terraform-provider-partnercenter"
HOSTNAME, NAMESPACE, TYPE = "registry.terraform.io", "partnercenter-oss", "partnercenter"
PLATFORM = "linux_amd64"
# The plugin protocol the binary speaks (the registry reads this from the manifest).
PROTOCOL_VERSIONS = ["6.0"]


def crate_version():
    text = (REPO / "Cargo.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    if not match:
        sys.exit("release: no version in Cargo.toml")
    return match.group(1)


def build_release_binary():
    print("release: cargo build --release", file=sys.stderr)
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "--bin", NAME], cwd=REPO, check=True
    )
    return REPO / "target" / "release" / NAME


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


def write_zip(binary, zip_path, version):
    info = zipfile.ZipInfo(f"{NAME}_v{version}", date_time=(1980, 1, 1, 0, 0, 0))
    # Unix mode bits in the high half: Terraform keeps them when it unpacks, and a provider
    # that is not executable cannot be started.
    info.external_attr = (0o100755 << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(info, binary.read_bytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    args = parser.parse_args()

    version = crate_version()
    binary = args.binary or build_release_binary()
    if not binary.is_file():
        sys.exit(f"release: no provider binary at {binary}")

    out = args.out.resolve() / HOSTNAME / NAMESPACE / TYPE
    out.mkdir(parents=True, exist_ok=True)
    zip_name = f"{NAME}_{version}_{PLATFORM}.zip"
    manifest_name = f"{NAME}_{version}_manifest.json"
    sums_name = f"{NAME}_{version}_SHA256SUMS"

    write_zip(binary, out / zip_name, version)
    manifest = {"version": 1, "metadata": {"protocol_versions": PROTOCOL_VERSIONS}}
    (out / manifest_name).write_text(json.dumps(manifest, indent=2) + "\n")
    sums = "".join(
        f"{sha256_hex((out / name).read_bytes())}  {name}\n" for name in (zip_name, manifest_name)
    )
    (out / sums_name).write_text(sums)

    zip_sha = sha256_hex((out / zip_name).read_bytes())
    archives = {PLATFORM: {"url": zip_name, "hashes": [h1_hash(out / zip_name), f"zh:{zip_sha}"]}}
    (out / f"{version}.json").write_text(json.dumps({"archives": archives}, indent=2) + "\n")
    (out / "index.json").write_text(json.dumps({"versions": {version: {}}}, indent=2) + "\n")

    for name in (zip_name, manifest_name, sums_name, f"{version}.json", "index.json"):
        print(out / name)


if __name__ == "__main__":
    main()
