"""Replace pillow_heif's HEVC *encoder* library (libx265, 21 MB) with a 15 kB stand-in that says "no encoder".

The app reads HEIC photos (libheif decodes with libde265) and never writes one: exports copy or link the
originals. (album_app.services.rotations.rotate_for_export would re-encode a turned HEIC copy; in the bundle
that one call fails with libheif's "not supported" error instead.) libheif links libx265 for its encoder
plugin and calls
exactly two of its functions (`nm -D --undefined-only libheif*.so`):

    x265_api_get_<build>(bit_depth) -> const x265_api*     NULL means "no encoder for this bit depth"
    x265_cleanup()

libheif's x265 plugin already treats a NULL api as "unsupported bit depth" and reports an error for that
encode, so a library under libx265's soname that exports these two symbols (NULL, nothing) leaves
decoding exactly as it was and turns an attempt to write HEIC into a clear error. libmvec, which only
libx265 needed, then goes too (drop_orphans in the spec). Built with the C compiler when there is one;
without it, or when libheif wants other x265 symbols, the real library is kept.

    python packaging/heif_decoder_only.py LIBHEIF LIBX265 --out DIR    # write DIR/<libx265's name>
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

EXPECTED = re.compile(r"^(x265_api_get_\d+|x265_cleanup)$")


def x265_symbols(libheif: Path) -> list[str]:
    """The x265 symbols libheif needs from its x265 library."""
    out = subprocess.run(["nm", "-D", "--undefined-only", str(libheif)], capture_output=True, text=True, check=True)
    return sorted({line.split()[-1] for line in out.stdout.splitlines() if line.split() and "x265" in line.split()[-1]})


def soname(library: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return found.group(1) if found else library.name


def build_stand_in(libheif: Path, libx265: Path, out_dir: Path) -> tuple[Path | None, str]:
    """(the stand-in library, why) or (None, why the real one must stay)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which("nm") is None or shutil.which("readelf") is None:
        return None, "no C compiler or binutils"
    symbols = x265_symbols(libheif)
    if not symbols or not all(EXPECTED.match(s) for s in symbols):
        return None, f"libheif wants x265 symbols this stand-in does not provide: {', '.join(symbols) or 'none'}"
    functions = []
    for name in symbols:
        if name.startswith("x265_api_get_"):
            functions.append(f"const void *{name}(int bit_depth) {{ (void)bit_depth; return 0; }}")
        else:
            functions.append(f"void {name}(void) {{}}")
    source = "/* album_app bundle: HEVC encoding is not included; libheif reports it as unsupported. */\n"
    source += "\n".join(functions) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    c_file, target = out_dir / "x265_stand_in.c", out_dir / libx265.name
    c_file.write_text(source)
    name = soname(libx265)
    done = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-s", f"-Wl,-soname,{name}", "-o", str(target), str(c_file)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return None, f"the compiler failed: {done.stderr.strip()[:200]}"
    return target, f"{len(symbols)} symbols ({', '.join(symbols)}), soname {name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("libheif", type=Path)
    parser.add_argument("libx265", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    built, why = build_stand_in(args.libheif, args.libx265, args.out)
    print(f"{built}: {why}" if built else f"kept the real {args.libx265.name}: {why}")
    return 0 if built else 1


if __name__ == "__main__":
    sys.exit(main())
