#!/usr/bin/env python3
"""Signs 64-bit Mach-O executables ad hoc, as Apple's linker does with `-adhoc_codesign`.

usage: scripts/macho_sign.py FILE...

Why: zig's linker signs the arm64 darwin binaries ad hoc (macOS kills an unsigned arm64
program) but has no flag to sign the amd64 ones, and without an Apple SDK there is no
`codesign` here. An ad-hoc signature is no more than a hash of every page of the file, so it is
written here: a SuperBlob holding one CodeDirectory (SHA-256, no requirements, no CMS
signature), flagged ad hoc and linker-signed, which is exactly what zig writes for arm64 (the
end-to-end tests re-sign zig's arm64 binaries with this script and compare every byte).

A file without a signature gets an LC_CODE_SIGNATURE load command (in the header's padding)
and its signature appended at the end of __LINKEDIT; a signed one has its signature written
again in the space it has. Layout: Apple's xnu sources, osfmk/kern/cs_blobs.h and
EXTERNAL_HEADERS/mach-o/loader.h (github.com/apple-oss-distributions/xnu).
"""

import hashlib
import os
import struct
import sys
from pathlib import Path

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 2
CPU_TYPE_X86_64 = 0x0100_0007
CPU_TYPE_ARM64 = 0x0100_000C
LC_SEGMENT_64 = 0x19
LC_CODE_SIGNATURE = 0x1D

CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CSSLOT_CODEDIRECTORY = 0
CS_SUPPORTSEXECSEG = 0x20400
CS_ADHOC = 0x2
CS_LINKER_SIGNED = 0x20000
CS_HASHTYPE_SHA256 = 2
CS_EXECSEG_MAIN_BINARY = 0x1
# The CodeDirectory's fixed part at version 0x20400, up to and including execSegFlags.
CODE_DIRECTORY_HEADER = 88
SUPER_BLOB_HEADER = 12 + 8  # magic, length, count, then one index entry

# Pages hashed, and the VM page the segments are aligned to, as Apple's linker uses them.
PAGE_SHIFT = {CPU_TYPE_X86_64: 12, CPU_TYPE_ARM64: 14}
VM_PAGE = {CPU_TYPE_X86_64: 0x1000, CPU_TYPE_ARM64: 0x4000}


class SignError(Exception):
    """Why a file cannot be signed, said as is."""


def align(value, to):
    return (value + to - 1) // to * to


class MachO:
    """The parts of a Mach-O file the signature touches."""

    def __init__(self, data, name):
        if len(data) < 32 or struct.unpack_from("<I", data, 0)[0] != MH_MAGIC_64:
            raise SignError(f"{name}: not a 64-bit little-endian Mach-O file")
        self.cpu, _, self.filetype, self.ncmds, self.sizeofcmds = struct.unpack_from(
            "<IIIII", data, 4)
        if self.cpu not in PAGE_SHIFT:
            raise SignError(f"{name}: CPU type {self.cpu:#x} is neither x86_64 nor arm64")
        self.segments = {}  # name -> offset of its load command
        self.signature_command = None
        self.first_section_data = len(data)
        at = 32
        for _ in range(self.ncmds):
            command, size = struct.unpack_from("<II", data, at)
            if command == LC_SEGMENT_64:
                segment = data[at + 8:at + 24].rstrip(b"\0").decode()
                self.segments[segment] = at
                for section in range(struct.unpack_from("<I", data, at + 64)[0]):
                    offset = struct.unpack_from("<I", data, at + 72 + 80 * section + 48)[0]
                    if offset:
                        self.first_section_data = min(self.first_section_data, offset)
            elif command == LC_CODE_SIGNATURE:
                self.signature_command = at
            at += size
        self.commands_end = at
        for needed in ("__TEXT", "__LINKEDIT"):
            if needed not in self.segments:
                raise SignError(f"{name}: no {needed} segment")

    def segment(self, data, name):
        """(vmsize, fileoff, filesize) of a segment."""
        return struct.unpack_from("<QQQ", data, self.segments[name] + 32)


def code_directory(data, code_limit, identifier, page_shift, text, flags, executable):
    """The CodeDirectory over data[:code_limit]."""
    page = 1 << page_shift
    hashes = b"".join(
        hashlib.sha256(data[start:min(start + page, code_limit)]).digest()
        for start in range(0, code_limit, page))
    ident = identifier.encode() + b"\0"
    hash_offset = CODE_DIRECTORY_HEADER + len(ident)
    text_fileoff, text_filesize = text
    header = struct.pack(
        ">IIIIIIIIIBBBBIIIIQQQQ",
        CSMAGIC_CODEDIRECTORY, hash_offset + len(hashes), CS_SUPPORTSEXECSEG, flags,
        hash_offset, CODE_DIRECTORY_HEADER, 0, len(hashes) // 32, code_limit,
        32, CS_HASHTYPE_SHA256, 0, page_shift,
        0, 0, 0, 0, 0,  # spare2, scatter, team, spare3, codeLimit64 (the 32-bit one suffices)
        text_fileoff, text_filesize, CS_EXECSEG_MAIN_BINARY if executable else 0)
    assert len(header) == CODE_DIRECTORY_HEADER
    return header + ident + hashes


def super_blob(directory):
    return struct.pack(">IIIII", CSMAGIC_EMBEDDED_SIGNATURE, SUPER_BLOB_HEADER + len(directory),
                       1, CSSLOT_CODEDIRECTORY, SUPER_BLOB_HEADER) + directory


def existing_directory(data, offset):
    """(identifier, page shift, flags) of the CodeDirectory a signature at offset holds."""
    magic, _, count = struct.unpack_from(">III", data, offset)
    if magic != CSMAGIC_EMBEDDED_SIGNATURE:
        raise SignError("the LC_CODE_SIGNATURE does not point at a signature")
    for index in range(count):
        slot, at = struct.unpack_from(">II", data, offset + 12 + 8 * index)
        if slot == CSSLOT_CODEDIRECTORY:
            cd = offset + at
            flags, _, ident_offset = struct.unpack_from(">III", data, cd + 12)
            end = data.index(b"\0", cd + ident_offset)
            return data[cd + ident_offset:end].decode(), data[cd + 39], flags
    raise SignError("the signature has no CodeDirectory")


def signed(data, name, identifier):
    """The file's bytes with an ad-hoc signature."""
    macho = MachO(data, name)
    data = bytearray(data)
    text = macho.segment(data, "__TEXT")[1:]
    executable = macho.filetype == MH_EXECUTE
    if macho.signature_command is not None:
        code_limit, space = struct.unpack_from("<II", data, macho.signature_command + 8)
        identifier, page_shift, flags = existing_directory(data, code_limit)
        blob = super_blob(code_directory(data, code_limit, identifier, page_shift, text, flags,
                                         executable))
        if len(blob) > space:
            raise SignError(f"{name}: the signature needs {len(blob)} bytes, it has {space}")
        data[code_limit:code_limit + space] = blob + bytes(space - len(blob))
        return bytes(data)

    vmsize, fileoff, filesize = macho.segment(data, "__LINKEDIT")
    if fileoff + filesize != len(data):
        raise SignError(f"{name}: __LINKEDIT does not end the file")
    if macho.commands_end + 16 > macho.first_section_data:
        raise SignError(f"{name}: no room in the header for LC_CODE_SIGNATURE")
    page_shift = PAGE_SHIFT[macho.cpu]
    code_limit = align(len(data), 16)
    pages = align(code_limit, 1 << page_shift) >> page_shift
    space = align(SUPER_BLOB_HEADER + CODE_DIRECTORY_HEADER + len(identifier) + 1 + 32 * pages,
                  16)
    # The header changes first: it is in the first page, which the signature hashes.
    struct.pack_into("<II", data, 16, macho.ncmds + 1, macho.sizeofcmds + 16)
    struct.pack_into("<IIII", data, macho.commands_end, LC_CODE_SIGNATURE, 16, code_limit, space)
    linkedit = code_limit + space - fileoff
    struct.pack_into("<QQQ", data, macho.segments["__LINKEDIT"] + 32,
                     max(vmsize, align(linkedit, VM_PAGE[macho.cpu])), fileoff, linkedit)
    data += bytes(code_limit - len(data))
    blob = super_blob(code_directory(data, code_limit, identifier, page_shift, text,
                                     CS_ADHOC | CS_LINKER_SIGNED, executable))
    return bytes(data + blob + bytes(space - len(blob)))


def sign(path):
    """Signs the file at path in place (a new file renamed over it)."""
    path = Path(path)
    data = signed(path.read_bytes(), str(path), path.name)
    temporary = path.with_name(path.name + ".signing")
    temporary.write_bytes(data)
    os.chmod(temporary, path.stat().st_mode)
    os.replace(temporary, path)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    try:
        for path in sys.argv[1:]:
            sign(path)
    except (OSError, SignError) as error:
        sys.exit(f"macho_sign: {error}")


if __name__ == "__main__":
    main()
