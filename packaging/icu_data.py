"""Shrink Qt's ICU data library (libicudata.so.NN, 32 MB) to the parts that Qt Core reads.

PySide6's Qt links ICU, and libicudata carries ICU's whole data package: every service ICU offers, in
every locale. Qt Core calls only four of those services (`nm -D --undefined-only libQt6Core.so.6`):

    ucol_*               collation (QCollator, QString::localeAwareCompare; QFileDialog sorts with it)
    u_strToUpper/Lower   locale case mapping (QLocale::toUpper/toLower; its tables are built into libicuuc)
    ucal_*               time-zone ids and display names (QTimeZone)
    ucnv_*               legacy text encodings (QStringDecoder/QStringEncoder for names Qt lacks itself)

and no other Qt library links ICU. So the copy in the bundle keeps the collation tree, the top-level
locale and supplemental data, the normalisation and property files, and leaves out what nothing calls:
break iterators, transliterators, spelled-out numbers, the display names of languages, regions,
currencies and units, character names, the spoof checker, StringPrep and IDNA (about 16 MB). It also
leaves out two services that Qt has but the app never uses: the legacy-encoding tables (QStringDecoder
for, say, Shift-JIS: the app decodes no text through Qt) and the localised time-zone names
(QTimeZone::displayName, which the app never calls; ICU still answers "GMT+02:00"). About 24 MB in all.

The data lives in one symbol, icudt{NN}_dat, in ICU's "common data" format (a table of contents and
the files it names); the reduced package is written in the same format and linked into a library of
the same name and soname with the assembler and linker from binutils (which PyInstaller needs on
Linux anyway). Without them, or with a library laid out otherwise, the original is kept.

    python packaging/icu_data.py LIBICUDATA              # what is inside, by part, and what would go
    python packaging/icu_data.py LIBICUDATA --out DIR    # write DIR/libicudata.so.NN
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SYMBOL = re.compile(rb"icudt\d+_dat")

# Trees (the first folder under icudtNNl/) and top-level files that Qt's ICU calls never open.
DROP_TREES = frozenset({"brkitr", "translit", "rbnf", "lang", "region", "curr", "unit", "zone"})
DROP_FILES = frozenset({"unames.icu", "confusables.cfu", "confusablesWholeScript.cfu", "uts46.nrm"})
DROP_SUFFIXES = (".spp", ".cnv")  # StringPrep profiles; legacy-encoding tables (cnvalias.icu stays)
# zone/ goes except what ICU's GMT-offset fallback for a time-zone name reads
KEEP_IN_DROPPED_TREES = frozenset({"zone/root.res", "zone/pool.res", "zone/res_index.res"})


def dropped(name: str) -> bool:
    """Whether an item of the package (e.g. 'icudt73l/brkitr/word.brk') is left out."""
    _, _, path = name.partition("/")
    tree = path.split("/", 1)[0] if "/" in path else ""
    if path in KEEP_IN_DROPPED_TREES:
        return False
    return tree in DROP_TREES or path in DROP_FILES or path.endswith(DROP_SUFFIXES)


# -- the ELF library ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    name: str
    offset: int  # in the file
    size: int


def data_symbol(path: Path) -> Symbol | None:
    """The icudtNN_dat symbol of an ELF shared library: where its bytes lie in the file."""
    raw = path.read_bytes()
    if raw[:4] != b"\x7fELF" or raw[4] != 2:  # 64-bit ELF only
        return None
    endian = "<" if raw[5] == 1 else ">"
    (shoff,) = struct.unpack_from(endian + "Q", raw, 0x28)
    shentsize, shnum = struct.unpack_from(endian + "HH", raw, 0x3A)
    sections = [struct.unpack_from(endian + "IIQQQQIIQQ", raw, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strtab_offset = sections[link][4]
        for start in range(offset, offset + size, entsize):
            st_name, _st_info, _st_other, st_shndx, st_value, st_size = struct.unpack_from(
                endian + "IBBHQQ", raw, start
            )
            end = raw.index(b"\0", strtab_offset + st_name)
            symbol = raw[strtab_offset + st_name : end]
            if SYMBOL.fullmatch(symbol) and 0 < st_shndx < shnum:
                section = sections[st_shndx]
                return Symbol(symbol.decode(), st_value - section[3] + section[4], st_size)
    return None


# -- ICU common data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    header: bytes  # ICU's DataHeader (magic 0xda27, format "CmnD"), kept as it was
    items: list[tuple[str, bytes]]  # (name, content), in the table's (sorted) order


def read_package(blob: bytes) -> Package:
    (header_size,) = struct.unpack_from("<H", blob, 0)
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[8] != 0:
        raise ValueError("not a little-endian ICU common data package")
    (count,) = struct.unpack_from("<I", blob, header_size)
    toc = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    body = blob[header_size:]
    items = []
    for i, (name_offset, data_offset) in enumerate(toc):
        name = body[name_offset : body.index(b"\0", name_offset)].decode("ascii")
        end = toc[i + 1][1] if i + 1 < count else len(body)
        items.append((name, body[data_offset:end]))
    return Package(blob[:header_size], items)


PAD = b"\xaa"  # what ICU's pkgdata pads with: an unchanged package is written back byte for byte


def write_package(package: Package) -> bytes:
    """The package in ICU's common data layout: header, table of contents, names, items 16-byte aligned."""
    count = len(package.items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in package.items)
    name_offsets, at = [], 4 + 8 * count
    for name, _ in package.items:
        name_offsets.append(at)
        at += len(name) + 1
    at = -(-at // 16) * 16
    data_offsets, data = [], bytearray()
    for _, content in package.items:
        data_offsets.append(at + len(data))
        data += content + PAD * (-len(content) % 16)
    table = struct.pack("<I", count) + b"".join(
        struct.pack("<II", name_at, data_at) for name_at, data_at in zip(name_offsets, data_offsets, strict=True)
    )
    body = table + names
    body += PAD * (at - len(body))
    return package.header + body + bytes(data)


def reduce_package(package: Package) -> Package:
    return Package(package.header, [(name, content) for name, content in package.items if not dropped(name)])


# -- linking the smaller library -----------------------------------------------------------------------


def soname(path: Path) -> str | None:
    try:
        out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return found.group(1) if found else None


def link_data_library(data: bytes, symbol: str, name: str, out: Path) -> None:
    """A shared library `name` that exports `symbol`: the bytes of `data`, read-only and 16-byte aligned."""
    with tempfile.TemporaryDirectory() as tmp:
        dat, source, obj = Path(tmp) / "data.dat", Path(tmp) / "data.s", Path(tmp) / "data.o"
        dat.write_bytes(data)
        source.write_text(
            f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, %object\n\t.balign 16\n{symbol}:\n"
            f'\t.incbin "{dat}"\n\t.size {symbol}, . - {symbol}\n\t.section .note.GNU-stack,"",%progbits\n'
        )
        subprocess.run(["as", "-o", str(obj), str(source)], check=True, capture_output=True)
        subprocess.run(
            ["ld", "-shared", "-z", "noexecstack", "-soname", name, "-o", str(out), str(obj)],
            check=True,
            capture_output=True,
        )


def shrink(library: Path, out_dir: Path) -> tuple[Path | None, str]:
    """Write out_dir/<library's name>, the reduced copy; (None, why) where the original has to stay."""
    if not sys.platform.startswith("linux"):
        return None, "not Linux"
    if shutil.which("as") is None or shutil.which("ld") is None:
        return None, "no assembler and linker (binutils) to link the reduced data"
    symbol = data_symbol(library)
    if symbol is None:
        return None, "no icudtNN_dat symbol in it"
    blob = library.read_bytes()[symbol.offset : symbol.offset + symbol.size]
    try:
        package = read_package(blob)
    except (ValueError, struct.error, UnicodeDecodeError) as error:
        return None, f"its data is not a package this script knows ({error})"
    reduced = reduce_package(package)
    data = write_package(reduced)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / library.name
    try:
        link_data_library(data, symbol.name, soname(library) or library.name, out)
    except (OSError, subprocess.CalledProcessError) as error:
        return None, f"linking failed ({error})"
    check = data_symbol(out)
    if check is None or out.read_bytes()[check.offset : check.offset + check.size] != data:
        return None, "the linked library does not hold the data as written"
    if read_package(data).items != reduced.items:
        return None, "the reduced package does not read back"
    return out, f"{len(package.items)} -> {len(reduced.items)} items, {len(blob) / 1e6:.1f} -> {len(data) / 1e6:.1f} MB"


def summary(package: Package) -> list[tuple[str, int, int]]:
    """(part, bytes kept, bytes dropped) by tree, or by file for top-level items other than locales."""
    kept, gone = Counter(), Counter()
    for name, content in package.items:
        path = name.partition("/")[2]
        part = path.split("/", 1)[0] + "/" if "/" in path else ("*.res" if path.endswith(".res") else path)
        part = "*.cnv" if path.endswith(".cnv") else "*.spp" if path.endswith(".spp") else part
        (gone if dropped(name) else kept)[part] += len(content)
    return sorted(((part, kept[part], gone[part]) for part in kept | gone), key=lambda row: -(row[1] + row[2]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", type=Path, help="libicudata.so.NN")
    parser.add_argument("--out", type=Path, help="write the reduced library into this folder")
    args = parser.parse_args(argv)
    if args.out:
        out, why = shrink(args.library, args.out)
        print(f"{out}: {why}" if out else f"kept the original: {why}")
        return 0 if out else 1
    symbol = data_symbol(args.library)
    if symbol is None:
        print("no icudtNN_dat symbol")
        return 1
    package = read_package(args.library.read_bytes()[symbol.offset : symbol.offset + symbol.size])
    print(f"{'part':24} {'kept MB':>8} {'dropped MB':>10}")
    for part, kept, gone in summary(package):
        print(f"{part:24} {kept / 1e6:8.3f} {gone / 1e6:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
