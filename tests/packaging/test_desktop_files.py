"""Fast, always-on checks of what desktop integration installs: .desktop, AppStream metainfo, icons, script."""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bundle_support import APP_ID, ICON_SIZES, REPO
from PIL import Image

import album_app

PACKAGING = REPO / "packaging"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
HICOLOR = REPO / "assets" / "icons" / "hicolor"
INSTALL = PACKAGING / "install_desktop.sh"


def desktop_entry(path: Path = DESKTOP) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections()[0] == "Desktop Entry"
    return dict(parser["Desktop Entry"])


def test_desktop_entry_launches_the_app_on_folders():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Comment"]
    assert entry["Exec"] == "album-app %F"
    assert entry["TryExec"] == "album-app"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Graphics;Photography;"
    assert "inode/directory" in entry["MimeType"].split(";")


def metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def test_metainfo_ids_match_the_desktop_file_and_the_package():
    root = metainfo()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("provides/binary") == "album-app"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "album-app" in pyproject["project"]["scripts"]
    license_ = pyproject["project"]["license"]
    assert root.findtext("project_license") == (license_ if isinstance(license_, str) else license_["text"])
    assert root.findtext("metadata_license")


def test_metainfo_has_what_software_centres_show():
    root = metainfo()
    for tag in ("name", "summary", "description", "developer/name"):
        assert (root.find(tag) is not None) and "".join(root.find(tag).itertext()).strip(), tag
    assert root.find("content_rating[@type='oars-1.1']") is not None
    assert root.findtext("url[@type='homepage']", "").startswith("https://")
    releases = root.findall("releases/release")
    assert releases, "at least one release"
    assert releases[0].get("version") == album_app.__version__, "newest release first, same as album_app"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date", ""))
    desktop_categories = set(filter(None, desktop_entry()["Categories"].split(";")))
    assert {c.text for c in root.findall("categories/category")} == desktop_categories


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_exists_for_every_size(size: int):
    path = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode in ("RGBA", "LA") or "transparency" in image.info, "the icon needs a transparent background"
    assert path.stat().st_size < 64_000


def test_scalable_icon_and_source_svg_parse():
    for path in (REPO / "assets" / "album_app.svg", HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"):
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("viewBox") == "0 0 256 256"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="needs appstreamcli (appstream)")
def test_appstreamcli_validate():
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert problems == [], result.stdout


def run_install(data: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data), "PATH": path if path is not None else os.environ["PATH"]}
    return subprocess.run(["bash", str(INSTALL), *args], env=env, capture_output=True, text=True, check=True)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_install_desktop_is_idempotent_and_uninstalls(tmp_path: Path):
    data = tmp_path / "share"
    run_install(data, "--exec", "album-app")
    first = tree(data)
    run_install(data, "--exec", "album-app")
    assert tree(data) == first
    installed = {name for name in first if not name.endswith(".cache")}
    assert f"applications/{APP_ID}.desktop" in installed
    assert f"metainfo/{APP_ID}.metainfo.xml" in installed
    for size in ICON_SIZES:
        assert f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in installed
    assert desktop_entry(data / "applications" / f"{APP_ID}.desktop")["Exec"] == "album-app %F"
    run_install(data, "--uninstall")
    assert not [name for name in tree(data) if APP_ID in name]


def test_install_desktop_points_the_launcher_at_an_executable_with_spaces(tmp_path: Path):
    app = tmp_path / "my apps" / "album-app"
    app.parent.mkdir()
    app.write_text("#!/bin/sh\n")
    app.chmod(0o755)
    data = tmp_path / "share"
    run_install(data, "--exec", str(app))
    desktop = data / "applications" / f"{APP_ID}.desktop"
    entry = desktop_entry(desktop)
    assert entry["Exec"] == f'"{app}" %F'
    assert entry["TryExec"] == str(app)
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def spec_list(name: str) -> list[str]:
    """A list literal assigned at the top of the PyInstaller spec."""
    tree_ = ast.parse((PACKAGING / "album-app.spec").read_text())
    for node in tree_.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return [elt.value for elt in node.value.elts if isinstance(elt, ast.Constant)]
    raise AssertionError(f"{name} not found in the spec")


def test_spec_keeps_training_code_and_unused_qt_out_of_the_bundle():
    excludes = set(spec_list("excludes"))
    assert {"torch", "trainer", "onnx", "onnxscript", "tests", "pytest"} <= excludes
    assert {"PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtQuick", "PySide6.QtMultimedia"} <= excludes
    hidden = set(spec_list("hiddenimports"))
    assert {"pillow_heif", "exifread", "reverse_geocode", "PySide6.QtWidgets"} <= hidden
    entry = (PACKAGING / "album_app_main.py").read_text()
    assert "multiprocessing.freeze_support()" in entry, "the scan's spawn workers need it in a frozen app"


def test_wheel_ships_the_model():
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    assert "assets/encoder.onnx" in data_files["share/album_app/assets"]
