"""Stand-ins for the libraries the bundle carries only because a decoder's wheel links them: encoders, TLS,
capture devices, filter graphs. The app only *decodes* (HEIC through libheif, videos through FFmpeg), so
each of these becomes a tiny library under the same soname that exports exactly the symbols the bundle's
other libraries take from it (same symbol versions, data symbols as zeroed blocks of the same size).

A stand-in's functions do one of two things:

- the calls made while the app loads and decodes (FFmpeg asks x265 which bit depths it has while it lists
  its codecs, PyAV asks libavfilter for its version when it is imported…) return what STAND_INS says
  (NULL for "none", a version number, an empty string);
- every other call stops the process with a message that names the library and the function (it would be
  an encode, a TLS connection, a capture device: paths the app never takes). A crash in a scan worker costs
  one file, and the scan says so.

What each wheel library's dependents need is read with ``nm -D``; libraries that lose their last dependent
(gnutls's nettle, hogweed, gmp and libunistring; libavdevice's ALSA and xcb) then go as orphans (the spec's
drop_orphans). Built with the C compiler when there is one; without one, or when a needed symbol is of a
kind a stand-in cannot provide, the real library stays. tests/packaging/test_stand_ins.py decodes videos
and HEICs with and without the stand-ins and compares frames and pixels.

    python packaging/stand_ins.py LIBRARY DEPENDENT... --out DIR    # write DIR/<LIBRARY's name>
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class StandIn:
    folder: str  # the wheel's library folder in the bundle ("av.libs")
    prefix: str  # the library's file name up to auditwheel's hash ("libx265")
    what: str  # what the real library is for, in the refusal message
    #: symbol regex -> C function body (``{name}`` is the symbol) for the calls made on the app's own paths.
    answers: dict[str, str] = field(default_factory=dict)

    def matches(self, dest: str) -> bool:
        folder, _, name = dest.replace("\\", "/").rpartition("/")
        return folder == self.folder and re.match(rf"{re.escape(self.prefix)}[-.]", name) is not None


NULL = "const void *{name}(void) {{ return 0; }}"
NOTHING = "void {name}(void) {{}}"
ZERO = "int {name}(void) {{ return 0; }}"
EMPTY_TEXT = 'const char *{name}(void) {{ return ""; }}'
VERSION = "unsigned {name}(void) {{ return VERSION_INT; }}"  # from the soname: libavfilter-….so.11.14.102

STAND_INS = (
    # libheif's encoder plug-in: NULL means "no encoder for this bit depth", which libheif reports as an error.
    StandIn(
        "pillow_heif.libs", "libx265", "HEVC encoding (x265)", {r"x265_api_get_\d+": NULL, "x265_cleanup": NOTHING}
    ),
    # FFmpeg asks for bit depths 12, 10 and 8 while it lists its codecs; depth 0 only when opening the encoder.
    StandIn(
        "av.libs", "libx265", "HEVC encoding (x265)",
        {r"x265_api_get_\d+": 'const void *{name}(int depth) {{ if (!depth) refuse("{name}"); return 0; }}'},
    ),
    StandIn("av.libs", "libx264", "H.264 encoding (x264)"),
    StandIn("av.libs", "libSvtAv1Enc", "AV1 encoding (SVT-AV1)"),
    StandIn("av.libs", "libmp3lame", "MP3 encoding (LAME)"),
    # VP8/VP9 are decoded by FFmpeg's own decoders; FFmpeg asks libvpx's VP9 encoder for its capabilities.
    StandIn(
        "av.libs", "libvpx", "VP8/VP9 encoding and the libvpx decoders (libvpx)",
        {r"vpx_codec_vp[89]_[cd]x": NULL, "vpx_codec_get_caps": ZERO},
    ),
    StandIn("av.libs", "libwebp", "WebP encoding (libwebp; FFmpeg decodes WebP itself)"),
    StandIn("av.libs", "libopus", "Opus encoding and the libopus decoder (FFmpeg decodes Opus itself)"),
    StandIn("av.libs", "libopencore-amrnb", "AMR-NB through opencore (FFmpeg decodes AMR itself)"),
    StandIn("av.libs", "libopencore-amrwb", "AMR-WB through opencore (FFmpeg decodes AMR itself)"),
    # TLS for https:// and tls:// URLs; FFmpeg initialises GnuTLS when it sets up networking.
    StandIn("av.libs", "libgnutls", "TLS connections (GnuTLS)", {"gnutls_global_(init|deinit)": ZERO}),
    StandIn("av.libs", "libvpl", "Intel Quick Sync video (oneVPL)"),
    # PyAV registers the capture devices and reads each library's version, configuration and licence on import.
    StandIn(
        "av.libs", "libavdevice", "capture devices (libavdevice)",
        {"avdevice_register_all": NOTHING, "avdevice_version": VERSION, "avdevice_(configuration|license)": EMPTY_TEXT},
    ),
    StandIn(
        "av.libs", "libavfilter", "filter graphs (libavfilter)",
        {"avfilter_version": VERSION, "avfilter_(configuration|license)": EMPTY_TEXT, "av_filter_iterate": NULL},
    ),
)

#: The C++ runtime (std::, new/delete, the ABI's helpers, unwinding): libstdc++'s, whoever else carries a copy.
RUNTIME = re.compile(r"^(_ZN?K?St|_ZT[ISV]N?K?St|_Z[dn][alw]|__cxa_|__gxx_|_Unwind_)")
_FUNCTION_KINDS = {"T", "W", "i"}
_DATA_KINDS = {"D", "B", "R", "V", "G", "S"}


@dataclass(frozen=True)
class Symbol:
    name: str
    version: str | None  # the version node the dependents ask for (GNUTLS_3_4), None when unversioned
    function: bool
    size: int  # bytes, for data


def _nm(*args: str) -> list[list[str]]:
    out = subprocess.run(["nm", "-D", *args], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines() if line.split()]


def needed_symbols(library: Path, dependents: Iterable[Path]) -> list[Symbol]:
    """The symbols of ``library`` that the dependents take from it, with their versions, kinds and sizes.

    Neither are the C++ runtime's symbols (RUNTIME), nor a reference bound to a version node of another
    library, even where this library defines the name too: libx265 carries (and exports) pieces of the
    static libstdc++ it was built with, which libheif takes from libstdc++ (where the system's is new
    enough) or leaves unresolved (``_ZSt21ios_base_library_initv``, a link-time marker nothing calls)."""
    defined: dict[str, tuple[str, int]] = {}
    own_versions = set()
    for fields in _nm("--defined-only", "-S", str(library)):
        if len(fields) == 4:
            size, kind, name = int(fields[1], 16), fields[2], fields[3]
        elif len(fields) == 3:
            size, kind, name = 0, fields[1], fields[2]
        else:
            continue
        if kind == "A":  # a version node (GNUTLS_3_4, LIBAVFILTER_11)
            own_versions.add(name)
            continue
        defined[name.split("@")[0]] = (kind, size)
    wanted: dict[str, str | None] = {}
    for dependent in dependents:
        for fields in _nm("--undefined-only", str(dependent)):
            name, _, version = fields[-1].partition("@")
            version = version.lstrip("@")
            if name in defined and (not version or version in own_versions) and not RUNTIME.match(name):
                wanted[name] = version or wanted.get(name)
    symbols = []
    for name, version in sorted(wanted.items()):
        kind, size = defined[name]
        if kind not in _FUNCTION_KINDS | _DATA_KINDS:
            raise ValueError(f"{name} is a symbol of kind {kind!r}, which a stand-in cannot provide")
        symbols.append(Symbol(name, version, kind in _FUNCTION_KINDS, size))
    return symbols


def soname(library: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return found.group(1) if found else library.name


def version_int(name: str) -> int:
    """FFmpeg's AV_VERSION_INT of a library named like libavfilter-b5da520e.so.11.14.102 (0 if it is not)."""
    found = re.search(r"\.so\.(\d+)\.(\d+)\.(\d+)$", name)
    return (int(found.group(1)) << 16 | int(found.group(2)) << 8 | int(found.group(3))) if found else 0


def c_source(stand_in: StandIn, library: Path, symbols: Sequence[Symbol]) -> str:
    name = soname(library)
    lines = [
        f"/* album_app bundle: a stand-in for {name}: {stand_in.what} is not included (packaging/stand_ins.py). */",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        f"#define VERSION_INT {version_int(name)}u",
        "static void refuse(const char *symbol) {",
        f'    fprintf(stderr, "album_app bundle: %s() was called, but {name} is a stand-in (left out: %s)\\n", '
        f'symbol, "{stand_in.what}");',
        "    abort();",
        "}",
    ]
    for symbol in symbols:
        if not symbol.function:
            lines.append(f"unsigned char {symbol.name}[{max(symbol.size, 1)}] __attribute__((aligned(32))) = {{0}};")
            continue
        body = next((text for pattern, text in stand_in.answers.items() if re.fullmatch(pattern, symbol.name)), None)
        lines.append((body or 'long {name}(void) {{ refuse("{name}"); return -1; }}').format(name=symbol.name))
    return "\n".join(lines) + "\n"


def version_script(symbols: Sequence[Symbol]) -> str | None:
    """A linker version script giving each symbol the version node its dependents ask for (None: unversioned)."""
    nodes: dict[str, list[str]] = {}
    for symbol in symbols:
        if symbol.version:
            nodes.setdefault(symbol.version, []).append(symbol.name)
    if not nodes:
        return None
    unversioned = [s.name for s in symbols if not s.version]
    text = "".join(f"{node} {{ global: {'; '.join(names)}; }};\n" for node, names in nodes.items())
    if unversioned:
        text += f"{{ global: {'; '.join(unversioned)}; }};\n"
    return text


def build(stand_in: StandIn, library: Path, dependents: Sequence[Path], out_dir: Path) -> tuple[Path | None, str]:
    """(the stand-in library, what it provides) or (None, why the real one must stay)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which("nm") is None or shutil.which("readelf") is None:
        return None, "no C compiler or binutils"
    if not dependents:
        return None, "nothing in the bundle links it"
    try:
        symbols = needed_symbols(library, dependents)
    except (OSError, subprocess.CalledProcessError, ValueError) as error:
        return None, f"its symbols cannot be read or provided: {error}"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", library.name)
    c_file, target = out_dir / f"{stem}.c", out_dir / library.name
    c_file.write_text(c_source(stand_in, library, symbols))
    command = [compiler, "-shared", "-fPIC", "-O2", "-s", "-w", f"-Wl,-soname,{soname(library)}", "-o", str(target)]
    script = version_script(symbols)
    if script:
        (out_dir / f"{stem}.map").write_text(script)
        command.append(f"-Wl,--version-script={out_dir / f'{stem}.map'}")
    done = subprocess.run([*command, str(c_file)], capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"the compiler failed: {done.stderr.strip()[:300]}"
    answered = sum(1 for s in symbols if s.function and any(re.fullmatch(p, s.name) for p in stand_in.answers))
    data = sum(1 for s in symbols if not s.function)
    return target, (
        f"{len(symbols)} symbols ({answered} answered, {len(symbols) - answered - data} refused, {data} data), "
        f"soname {soname(library)}, {library.stat().st_size / 1e6:.1f} MB -> {target.stat().st_size / 1e3:.0f} kB"
    )


def stand_in_for(dest: str) -> StandIn | None:
    return next((stand_in for stand_in in STAND_INS if stand_in.matches(dest)), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("dependents", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    stand_in = stand_in_for(f"{args.library.parent.name}/{args.library.name}")
    if stand_in is None:
        print(f"{args.library} is not one of the libraries in STAND_INS", file=sys.stderr)
        return 2
    built, why = build(stand_in, args.library, args.dependents, args.out)
    print(f"{built}: {why}" if built else f"kept the real {args.library.name}: {why}")
    return 0 if built else 1


if __name__ == "__main__":
    sys.exit(main())
