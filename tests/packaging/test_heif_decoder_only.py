"""packaging/heif_decoder_only.py: the bundle's libx265 stand-in keeps HEIC decoding and refuses encoding.

Fast (a compile and one subprocess) and on wherever pillow_heif's wheel links libx265 and a C compiler
is installed; the bundle test (tests/packaging/test_bundle.py) checks the built bundle itself.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from bundle_support import REPO

sys.path.insert(0, str(REPO / "packaging"))
import heif_decoder_only

SITE = Path(sysconfig.get_paths()["purelib"])
LIBS = SITE / "pillow_heif.libs"
LIBHEIF = next(iter(sorted(LIBS.glob("libheif*.so*"))), None)
LIBX265 = next(iter(sorted(LIBS.glob("libx265*.so*"))), None)
HEIC = REPO.parent / "shared" / "data" / "exif-samples" / "heic" / "IMG_5195.HEIC"

pytestmark = pytest.mark.skipif(
    LIBHEIF is None or LIBX265 is None or (shutil.which("cc") is None and shutil.which("gcc") is None),
    reason="needs pillow_heif's wheel libraries (libheif, libx265) and a C compiler",
)

PROBE = """
import sys
import pillow_heif
from PIL import Image
pillow_heif.register_heif_opener()
maps = open("/proc/self/maps").read()
assert sys.argv[2] in maps, "the stand-in was not the libx265 loaded"
image = Image.open(sys.argv[1]); image.load()
print("decoded", image.size, image.getpixel((10, 10)))
try:
    image.resize((32, 32)).save(sys.argv[3])
    print("encoded")
except Exception as error:
    print("refused", type(error).__name__, error)
"""


def test_decoding_is_untouched_and_encoding_is_refused(tmp_path: Path) -> None:
    if not HEIC.is_file():
        pytest.skip(f"{HEIC} is absent (../shared/data holds the HEIC samples)")
    assert LIBHEIF is not None and LIBX265 is not None
    stand_in, why = heif_decoder_only.build_stand_in(LIBHEIF, LIBX265, tmp_path / "build")
    assert stand_in is not None, why
    assert stand_in.stat().st_size < 100_000 < LIBX265.stat().st_size
    assert heif_decoder_only.soname(stand_in) == heif_decoder_only.soname(LIBX265)

    # A private copy of pillow_heif with the stand-in in place of libx265, imported ahead of the venv's.
    site = tmp_path / "site"
    shutil.copytree(SITE / "pillow_heif", site / "pillow_heif")
    for extension in glob.glob(str(SITE / "_pillow_heif*.so")):
        shutil.copy2(extension, site)
    (site / LIBS.name).mkdir()
    for library in LIBS.iterdir():
        shutil.copy2(stand_in if library.name == LIBX265.name else library, site / LIBS.name / library.name)

    def probe(path: Path) -> str:
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(HEIC), str(path), str(tmp_path / "out.heic")],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(site if path != LIBX265 else SITE)},
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    with_stand_in = probe(site / LIBS.name / LIBX265.name)
    with_real = probe(LIBX265)
    assert with_stand_in.splitlines()[0] == with_real.splitlines()[0]  # the same size and pixels
    assert with_real.splitlines()[1] == "encoded"
    assert with_stand_in.splitlines()[1].startswith("refused RuntimeError")
