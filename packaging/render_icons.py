"""Render assets/album_app.svg to the hicolor PNG sizes under assets/icons/hicolor/.

    python packaging/render_icons.py            # re-render (needs rsvg-convert: apt-get install librsvg2-bin)
    python packaging/render_icons.py --check    # exit 1 when a size is missing or stale-looking

The PNGs are committed, so neither building the bundle nor installing needs a rasteriser; run this
only after editing the SVG. optipng, when present, shrinks the files losslessly.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

APP_ID = "io.github.album_app.AlbumApp"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "assets" / "album_app.svg"
HICOLOR = REPO / "assets" / "icons" / "hicolor"


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def svg_path() -> Path:
    return HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"


def render(size: int, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), "-o", str(out), str(SOURCE)], check=True)
    else:
        try:
            import cairosvg  # type: ignore[import-not-found]
        except ImportError:
            sys.exit("needs rsvg-convert (apt-get install librsvg2-bin) or the cairosvg package")
        cairosvg.svg2png(url=str(SOURCE), write_to=str(out), output_width=size, output_height=size)
    with Image.open(out) as image:  # strip metadata chunks; keep RGBA
        image.load()
        clean = image.convert("RGBA")
    clean.save(out, "PNG", optimize=True)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o5", "-strip", "all", str(out)], check=True)


def check() -> list[str]:
    problems = []
    for size in SIZES:
        path = png_path(size)
        if not path.is_file():
            problems.append(f"missing {path.relative_to(REPO)}")
            continue
        with Image.open(path) as image:
            if image.size != (size, size):
                problems.append(f"{path.relative_to(REPO)} is {image.size}, not {size}x{size}")
    if not svg_path().is_file():
        problems.append(f"missing {svg_path().relative_to(REPO)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that every size exists")
    if parser.parse_args().check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for size in SIZES:
        render(size, png_path(size))
        print(f"{png_path(size).relative_to(REPO)}  {png_path(size).stat().st_size} bytes")
    svg_path().parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, svg_path())
    return 0


if __name__ == "__main__":
    sys.exit(main())
