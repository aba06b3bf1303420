//! Every platform's binaries, as `scripts/crossbuild.py --profile cross-test` builds them (which
//! `scripts/test.sh` runs first): the linux ones static, the darwin ones signed Mach-O for
//! macOS 11 linking only the system's libraries, the windows one a PE for amd64; linux/arm64
//! under qemu and windows/amd64 under wine driven by the real Terraform 1.15.5 through a whole
//! resource's life. (The `release` module has Terraform lock all five packages of a release.)

// Test code: a panic is how it fails.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::common::{
    KillOnDrop, NEWEST, PROVIDER_ADDRESS, Sandbox, Workspace, mirror_config, reattach_providers,
    repo_root, temp_dir, text,
};
use partnercenter_sandbox::{DEMO_SCHOOL, Qualification};
use terraform_provider_partnercenter::protocol::tfplugin6::get_provider_schema;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_client::ProviderClient;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const PROFILE: &str = "cross-test";
const PROVIDER: &str = "terraform-provider-partnercenter";
const SANDBOX: &str = "partnercenter-sandbox";

/// `(platform, Rust target)`, as scripts/crossbuild.py builds them.
const PLATFORMS: [(&str, &str); 5] = [
    ("linux_amd64", "x86_64-unknown-linux-musl"),
    ("linux_arm64", "aarch64-unknown-linux-musl"),
    ("darwin_amd64", "x86_64-apple-darwin"),
    ("darwin_arm64", "aarch64-apple-darwin"),
    ("windows_amd64", "x86_64-pc-windows-gnu"),
];

/// The cross-built `package` for `platform`; a missing one fails the test with the command that
/// builds it.
fn cross_binary(platform: &str, package: &str) -> PathBuf {
    let (_, triple) = PLATFORMS.iter().find(|(p, _)| *p == platform).unwrap();
    let exe = if platform.starts_with("windows") {
        ".exe"
    } else {
        ""
    };
    let path = repo_root()
        .join("target/cross")
        .join(triple)
        .join(PROFILE)
        .join(format!("{package}{exe}"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/crossbuild.py --profile {PROFILE} (scripts/test.sh does)",
        path.display()
    );
    path
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn u16_le(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap())
}

fn u32_le(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn u32_be(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn u64_le(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

// ---- linux: static ELF ---------------------------------------------------------------------

/// The ELF machine and whether the program asks for a dynamic loader or has a dynamic section.
fn elf_facts(elf: &[u8]) -> (u16, bool) {
    assert_eq!(&elf[..5], b"\x7fELF\x02", "not a 64-bit ELF");
    const PT_DYNAMIC: u32 = 2;
    const PT_INTERP: u32 = 3;
    let machine = u16_le(elf, 0x12);
    let (phoff, phentsize, phnum) = (
        usize::try_from(u64_le(elf, 0x20)).unwrap(),
        usize::from(u16_le(elf, 0x36)),
        usize::from(u16_le(elf, 0x38)),
    );
    let dynamic = (0..phnum)
        .map(|i| u32_le(elf, phoff + i * phentsize))
        .any(|kind| kind == PT_INTERP || kind == PT_DYNAMIC);
    (machine, dynamic)
}

/// A static binary needs no C library at all: it starts on any Linux Terraform runs on, whatever
/// its glibc (Ubuntu 20.04, RHEL 8, Amazon Linux 2) or none (Alpine).
#[test]
fn linux_binaries_are_static() {
    for (platform, machine) in [("linux_amd64", 0x3e), ("linux_arm64", 0xb7)] {
        for package in [PROVIDER, SANDBOX] {
            let (found, dynamic) = elf_facts(&read(&cross_binary(platform, package)));
            assert_eq!(found, machine, "{platform} {package}: ELF machine");
            assert!(!dynamic, "{platform} {package}: dynamically linked");
        }
    }
}

// ---- darwin: Mach-O --------------------------------------------------------------------------

/// What the darwin checks read from a Mach-O file's header and load commands.
#[derive(Debug)]
struct MachO {
    cpu_type: u32,
    dylibs: Vec<String>,
    /// LC_BUILD_VERSION's platform and minimum OS as (major, minor).
    build_version: Option<(u32, (u32, u32))>,
    /// LC_CODE_SIGNATURE's blob: (offset, size).
    signature: Option<(usize, usize)>,
}

fn macho(file: &[u8]) -> MachO {
    const MH_MAGIC_64: u32 = 0xfeed_facf;
    const LC_LOAD_DYLIB: u32 = 0xc;
    const LC_LOAD_WEAK_DYLIB: u32 = 0x8000_0018;
    const LC_REEXPORT_DYLIB: u32 = 0x8000_001f;
    const LC_LOAD_UPWARD_DYLIB: u32 = 0x8000_0023;
    const LC_CODE_SIGNATURE: u32 = 0x1d;
    const LC_BUILD_VERSION: u32 = 0x32;
    assert_eq!(u32_le(file, 0), MH_MAGIC_64, "not a 64-bit Mach-O file");
    let mut found = MachO {
        cpu_type: u32_le(file, 4),
        dylibs: Vec::new(),
        build_version: None,
        signature: None,
    };
    let commands = u32_le(file, 16);
    let mut at = 32; // the mach_header_64
    for _ in 0..commands {
        let (cmd, size) = (u32_le(file, at), u32_le(file, at + 4) as usize);
        match cmd {
            LC_LOAD_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB | LC_LOAD_UPWARD_DYLIB => {
                let name = &file[at + u32_le(file, at + 8) as usize..at + size];
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                found
                    .dylibs
                    .push(String::from_utf8_lossy(&name[..end]).into_owned());
            }
            LC_BUILD_VERSION => {
                let minos = u32_le(file, at + 12);
                found.build_version =
                    Some((u32_le(file, at + 8), (minos >> 16, (minos >> 8) & 0xff)));
            }
            LC_CODE_SIGNATURE => {
                found.signature = Some((
                    u32_le(file, at + 8) as usize,
                    u32_le(file, at + 12) as usize,
                ));
            }
            _ => {}
        }
        at += size;
    }
    found
}

/// Where in the file the CodeDirectory of the signature at `(offset, size)` starts.
fn code_directory(what: &str, file: &[u8], (offset, size): (usize, usize)) -> usize {
    const SUPER_BLOB: u32 = 0xfade_0cc0;
    const CODE_DIRECTORY: u32 = 0xfade_0c02;
    let blob = &file[offset..offset + size];
    assert_eq!(
        u32_be(blob, 0),
        SUPER_BLOB,
        "{what}: no code signature blob"
    );
    let directory = (0..u32_be(blob, 8) as usize)
        .map(|i| u32_be(blob, 12 + i * 8 + 4) as usize)
        .find(|&at| u32_be(blob, at) == CODE_DIRECTORY)
        .unwrap_or_else(|| panic!("{what}: the signature has no CodeDirectory"));
    offset + directory
}

/// Checks the ad-hoc signature as macOS does before running the program: the CodeDirectory's
/// hash of every page of the file up to the signature must match, so a binary changed after
/// signing (stripped, say) fails here as it would be killed on a Mac.
fn assert_signed_ad_hoc(what: &str, file: &[u8], signature: (usize, usize)) {
    const CS_ADHOC: u32 = 0x2;
    const HASH_SHA256: u8 = 2;
    let (offset, _) = signature;
    let cd = &file[code_directory(what, file, signature)..];
    assert_ne!(
        u32_be(cd, 12) & CS_ADHOC,
        0,
        "{what}: not an ad-hoc signature"
    );
    let hash_offset = u32_be(cd, 16) as usize;
    let slots = u32_be(cd, 28) as usize;
    let code_limit = u32_be(cd, 32) as usize;
    let (hash_size, hash_type, page_shift) = (cd[36], cd[37], cd[39]);
    assert_eq!(
        (hash_type, hash_size),
        (HASH_SHA256, 32),
        "{what}: hash type"
    );
    assert_eq!(code_limit, offset, "{what}: the signature covers the file");
    let page = 1usize << page_shift;
    assert_eq!(slots, code_limit.div_ceil(page), "{what}: page count");
    for slot in 0..slots {
        let start = slot * page;
        let data = &file[start..(start + page).min(code_limit)];
        let digest = ring::digest::digest(&ring::digest::SHA256, data);
        let listed = &cd[hash_offset + slot * 32..hash_offset + (slot + 1) * 32];
        assert_eq!(
            digest.as_ref(),
            listed,
            "{what}: page {slot} does not match its signature"
        );
    }
}

/// The libraries every macOS 11 has, and nothing else: the C library, libiconv (and the
/// libcharset it comes with), which Rust's standard library links on Apple's systems, and the
/// two frameworks the certificate verifier asks (the keychain's trust settings).
const ALLOWED_DYLIBS: [&str; 5] = [
    "/usr/lib/libSystem.B.dylib",
    "/usr/lib/libiconv.2.dylib",
    "/usr/lib/libcharset.1.dylib",
    "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
    "/System/Library/Frameworks/Security.framework/Versions/A/Security",
];

#[test]
fn darwin_binaries_are_macho_for_macos_11_with_system_libraries_only_and_signed() {
    const CPU_TYPE_X86_64: u32 = 0x0100_0007;
    const CPU_TYPE_ARM64: u32 = 0x0100_000c;
    const PLATFORM_MACOS: u32 = 1;
    for (platform, cpu) in [
        ("darwin_amd64", CPU_TYPE_X86_64),
        ("darwin_arm64", CPU_TYPE_ARM64),
    ] {
        for package in [PROVIDER, SANDBOX] {
            let what = format!("{platform} {package}");
            let file = read(&cross_binary(platform, package));
            let found = macho(&file);
            assert_eq!(found.cpu_type, cpu, "{what}: CPU type");
            let (os, minimum) = found
                .build_version
                .unwrap_or_else(|| panic!("{what}: no LC_BUILD_VERSION"));
            assert_eq!(os, PLATFORM_MACOS, "{what}: platform");
            assert!(minimum <= (11, 0), "{what}: needs macOS {minimum:?}");
            assert!(
                found.dylibs.contains(&ALLOWED_DYLIBS[0].to_owned()),
                "{what}: {:?}",
                found.dylibs
            );
            for dylib in &found.dylibs {
                assert!(
                    ALLOWED_DYLIBS.contains(&dylib.as_str()),
                    "{what} links {dylib}, which not every Mac has"
                );
            }
            let signature = found
                .signature
                .unwrap_or_else(|| panic!("{what}: no code signature"));
            assert_signed_ad_hoc(&what, &file, signature);
        }
    }
    // The provider asks the keychain (the sandbox links the frameworks too, built beside it).
    let provider = macho(&read(&cross_binary("darwin_arm64", PROVIDER)));
    assert!(
        provider
            .dylibs
            .iter()
            .any(|d| d.ends_with("Security.framework/Versions/A/Security")),
        "{:?}",
        provider.dylibs
    );
}

/// zig's linker signs the arm64 binaries, scripts/macho_sign.py the amd64 ones: given one of
/// zig's with its page hashes wiped, the script must write back exactly the signature zig
/// wrote, so that what it writes for amd64 is the kind of signature macOS accepts from a linker.
#[test]
fn the_signing_script_writes_what_zigs_linker_writes() {
    for package in [PROVIDER, SANDBOX] {
        let zigs = read(&cross_binary("darwin_arm64", package));
        let signature = macho(&zigs).signature.expect("zig signs arm64 binaries");
        let directory = code_directory(package, &zigs, signature);
        let hashes = directory + u32_be(&zigs, directory + 16) as usize;
        let slots = u32_be(&zigs, directory + 28) as usize;
        let mut wiped = zigs.clone();
        wiped[hashes..hashes + slots * 32].fill(0);
        let dir = temp_dir("macho-sign");
        let copy = dir.path().join(package);
        std::fs::write(&copy, &wiped).unwrap();
        let signing = Command::new("python3")
            .arg(repo_root().join("scripts/macho_sign.py"))
            .arg(&copy)
            .output()
            .unwrap();
        assert!(signing.status.success(), "{}", text(&signing));
        let ours = read(&copy);
        assert_eq!(ours.len(), zigs.len(), "{package}: the file changed size");
        let differing = ours.iter().zip(&zigs).filter(|(a, b)| a != b).count();
        assert_eq!(
            differing, 0,
            "{package}: {differing} bytes differ from zig's"
        );
    }
}

// ---- windows: PE -----------------------------------------------------------------------------

#[test]
fn windows_binaries_are_console_programs_for_amd64() {
    const MACHINE_AMD64: u16 = 0x8664;
    const PE32_PLUS: u16 = 0x20b;
    const SUBSYSTEM_CONSOLE: u16 = 3;
    for package in [PROVIDER, SANDBOX] {
        let file = read(&cross_binary("windows_amd64", package));
        assert_eq!(&file[..2], b"MZ", "{package}: not a DOS/PE file");
        let pe = u32_le(&file, 0x3c) as usize;
        assert_eq!(&file[pe..pe + 4], b"PE\0\0", "{package}: no PE header");
        assert_eq!(u16_le(&file, pe + 4), MACHINE_AMD64, "{package}: machine");
        let optional = pe + 24;
        assert_eq!(u16_le(&file, optional), PE32_PLUS, "{package}: not PE32+");
        assert_eq!(
            u16_le(&file, optional + 68),
            SUBSYSTEM_CONSOLE,
            "{package}: subsystem"
        );
    }
}

// ---- linux/arm64 under qemu, windows/amd64 under wine ----------------------------------------

/// How a foreign binary runs here.
struct Emulator {
    /// The command line before the binary.
    prefix: Vec<String>,
    /// Environment the emulator needs.
    env: Vec<(String, String)>,
}

fn qemu() -> Emulator {
    let qemu = Path::new("/usr/bin/qemu-aarch64-static");
    assert!(
        qemu.is_file(),
        "{} is missing: apt-get install qemu-user-static (scripts/test.sh does)",
        qemu.display()
    );
    Emulator {
        prefix: vec![qemu.display().to_string()],
        env: Vec::new(),
    }
}

/// wine with a prefix of its own under target/cross, made once (quietly: no mono or gecko
/// installer, no debug channels) before any test uses it, and the test-only
/// `bcryptprimitives.dll` beside each of `binaries`.
fn wine(binaries: &[PathBuf]) -> Emulator {
    static READY: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let wine = Path::new("/usr/lib/wine/wine64");
    assert!(
        wine.is_file(),
        "{} is missing: apt-get install wine64 (scripts/test.sh does)",
        wine.display()
    );
    let emulator = |prefix: &Path| Emulator {
        prefix: vec![wine.display().to_string()],
        env: vec![
            ("WINEPREFIX".into(), prefix.display().to_string()),
            ("WINEDEBUG".into(), "-all".into()),
            // mono and gecko would be offered on a new prefix; the programs need neither.
            ("WINEDLLOVERRIDES".into(), "mscoree,mshtml=".into()),
        ],
    };
    let (prefix, dll) = READY.get_or_init(|| {
        let prefix = repo_root().join("target/cross/wine-prefix");
        let made = emulator(&prefix)
            .command(Path::new("wineboot"))
            .arg("--init")
            .output()
            .expect("run wineboot");
        assert!(made.status.success(), "wineboot: {}", text(&made));
        (prefix, process_prng_dll())
    });
    for binary in binaries {
        std::fs::copy(dll, binary.with_file_name("bcryptprimitives.dll")).unwrap();
    }
    emulator(prefix)
}

/// Rust's standard library calls `ProcessPrng` from `bcryptprimitives.dll`, which Windows 10
/// has and wine 8 lacks; this small DLL (tests/e2e/platforms/processprng.c) stands in for it under
/// wine. Built with the zig that scripts/crossbuild.py installs.
fn process_prng_dll() -> PathBuf {
    let tools =
        std::env::var_os("TOOLS_DIR").map_or_else(|| repo_root().join(".tools"), PathBuf::from);
    let python = tools.join("cross/bin/python3");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/crossbuild.py (scripts/test.sh does)",
        python.display()
    );
    let out = repo_root().join("target/cross/bcryptprimitives.dll");
    let built = Command::new(python)
        .args([
            "-m",
            "ziglang",
            "cc",
            "-target",
            "x86_64-windows-gnu",
            "-shared",
            "-O2",
        ])
        .arg(repo_root().join("tests/e2e/platforms/processprng.c"))
        .arg("-ladvapi32")
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run zig cc");
    assert!(built.status.success(), "zig cc: {}", text(&built));
    out
}

impl Emulator {
    /// A shell script that runs `binary` under this emulator, as Terraform executes a provider.
    fn wrapper(&self, binary: &Path) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        format!(
            "#!/bin/sh\nexec env {} {} {} \"$@\"\n",
            env.join(" "),
            self.prefix
                .iter()
                .map(|p| quote(p))
                .collect::<Vec<_>>()
                .join(" "),
            quote(&binary.display().to_string()),
        )
    }

    fn command(&self, binary: &Path) -> Command {
        let mut command = Command::new(&self.prefix[0]);
        command
            .args(&self.prefix[1..])
            .arg(binary)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

fn school() -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
         customer_id   = \"{DEMO_SCHOOL}\"\n  qualification = \"Education\"\n}}\n"
    )
}

/// The whole life of a resource, with Terraform 1.15.5 running `binary` under `emulator` from a
/// filesystem mirror: handshake, create, a plan with no changes, drift shown, import, destroy.
fn serves_terraform(emulator: &Emulator, binary: &Path) {
    let sandbox = Sandbox::start();
    let mirror = temp_dir("tfpc-mirror");
    let dir = mirror
        .path()
        .join(PROVIDER_ADDRESS)
        .join(VERSION)
        .join("linux_amd64");
    std::fs::create_dir_all(&dir).unwrap();
    let wrapper = dir.join(format!("{PROVIDER}_v{VERSION}"));
    std::fs::write(&wrapper, emulator.wrapper(binary)).unwrap();
    let mut permissions = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&wrapper, permissions).unwrap();

    let mut workspace =
        Workspace::with_cli_config(NEWEST, &mirror_config(mirror.path()), &school());
    workspace.use_sandbox(&sandbox);
    workspace.init();
    let what = binary.display();

    let applied = workspace.ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(applied.contains("1 added"), "{what}: {applied}");
    assert_eq!(
        sandbox.admin(sandbox.client.qualification(DEMO_SCHOOL)),
        Some(Qualification::Education)
    );

    let plan = ["plan", "-input=false", "-no-color", "-detailed-exitcode"];
    let unchanged = workspace.run(&plan);
    assert_eq!(
        unchanged.status.code(),
        Some(0),
        "{what}: {}",
        text(&unchanged)
    );

    sandbox.admin(
        sandbox
            .client
            .set_qualification(DEMO_SCHOOL, Qualification::GovernmentCommunityCloud),
    );
    let drifted = workspace.run(&[&plan[..], &["-refresh-only"]].concat());
    let said = text(&drifted);
    assert_eq!(drifted.status.code(), Some(2), "{what}: {said}");
    assert!(
        said.contains("changed outside of Terraform"),
        "{what}: {said}"
    );
    assert!(said.contains("GovernmentCommunityCloud"), "{what}: {said}");

    workspace.ok(&[
        "state",
        "rm",
        "-no-color",
        "partnercenter_customer_qualification.school",
    ]);
    let imported = workspace.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "partnercenter_customer_qualification.school",
        DEMO_SCHOOL,
    ]);
    assert!(imported.contains("Import successful"), "{what}: {imported}");
    let state = workspace.ok(&["state", "list", "-no-color"]);
    assert!(
        state.contains("partnercenter_customer_qualification.school"),
        "{what}: {state}"
    );

    let destroyed = workspace.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let said = text(&destroyed);
    assert!(destroyed.status.success(), "{what}: {said}");
    assert!(said.contains("1 destroyed"), "{what}: {said}");
    assert!(
        said.contains("Partner Center cannot remove a qualification"),
        "{what}: {said}"
    );
}

#[test]
fn linux_arm64_under_qemu_serves_terraform() {
    serves_terraform(&qemu(), &cross_binary("linux_arm64", PROVIDER));
}

#[test]
fn windows_amd64_under_wine_serves_terraform() {
    let binary = cross_binary("windows_amd64", PROVIDER);
    let wine = wine(std::slice::from_ref(&binary));
    serves_terraform(&wine, &binary);
}

/// `--debug` on Windows serves plain gRPC on TCP 127.0.0.1 and prints the matching
/// `TF_REATTACH_PROVIDERS`, as a PowerShell line; a client at that address gets the schema.
#[tokio::test]
async fn windows_debug_mode_prints_a_tcp_reattach_address_that_serves() {
    let binary = cross_binary("windows_amd64", PROVIDER);
    let wine = wine(std::slice::from_ref(&binary));
    let mut child = KillOnDrop(
        wine.command(&binary)
            .arg("--debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // PowerShell's way to set a variable.
    let reattach = reattach_providers(
        child.stdout.as_mut().unwrap(),
        "$env:TF_REATTACH_PROVIDERS=",
    );
    let addr = &reattach[PROVIDER_ADDRESS]["Addr"];
    assert_eq!(addr["Network"], "tcp", "{reattach}");
    let address: std::net::SocketAddr = addr["String"].as_str().unwrap().parse().unwrap();
    assert!(address.ip().is_loopback(), "{address}");
    let channel = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(
            move |_: tonic::transport::Uri| async move {
                let stream = tokio::net::TcpStream::connect(address).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            },
        ))
        .await
        .unwrap();
    let schema = ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("schema over TCP")
        .into_inner();
    assert!(
        schema
            .resource_schemas
            .contains_key("partnercenter_customer_qualification")
    );
}

/// The sandboxes only need to start: their behaviour is the native sandbox's, tested natively.
#[test]
fn the_sandboxes_start_under_qemu_and_wine() {
    let windows = cross_binary("windows_amd64", SANDBOX);
    let emulated = [
        (qemu(), cross_binary("linux_arm64", SANDBOX)),
        (wine(std::slice::from_ref(&windows)), windows),
    ];
    for (emulator, binary) in &emulated {
        let output = emulator.command(binary).arg("--help").output().unwrap();
        assert!(
            output.status.success() && text(&output).contains("--listen"),
            "{}: {}",
            binary.display(),
            text(&output)
        );
    }
}
