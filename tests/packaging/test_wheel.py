"""The wheel carries the model: built, installed into a fresh venv, it finds share/album_app/assets/encoder.onnx.

Opt-in with the bundle tests (ALBUM_APP_PACKAGE_TEST=1). Offline: the wheel goes in with --no-deps and the
fresh venv borrows this environment's dependencies through a .pth file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from bundle_support import REPO, requires_package_test

import album_app

pytestmark = [pytest.mark.packaging, pytest.mark.slow, requires_package_test]

MODEL_IN_WHEEL = "album_app-{version}.data/data/share/album_app/assets/encoder.onnx"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check",
                             "--outdir", str(out), str(REPO)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail("python -m build --wheel failed:\n" + "\n".join((result.stdout + result.stderr).splitlines()[-15:]))
    (found,) = out.glob("album_app-*.whl")
    return found


def test_wheel_contains_the_model_as_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    model = MODEL_IN_WHEEL.format(version=album_app.__version__)
    assert model in names
    assert zipfile.ZipFile(wheel).getinfo(model).file_size == (REPO / "assets" / "encoder.onnx").stat().st_size
    assert not any(name.startswith(("tests/", "assets/")) for name in names)
    metadata = zipfile.ZipFile(wheel).read(f"album_app-{album_app.__version__}.dist-info/METADATA").decode()
    assert "Requires-Dist: torch" in metadata and "extra == \"train\"" in metadata  # torch only as an extra
    assert "Requires-Dist: onnxruntime" in metadata


def test_installed_wheel_runs_and_finds_its_model(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "ALBUM_APP_"))}
    env["QT_QPA_PLATFORM"] = "offscreen"

    def run(*args: str) -> str:
        result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert run(str(env_dir / "bin" / "album-app"), "--version").strip() == f"album-app {album_app.__version__}"
    probe = "import album_app.models.encoder as m, album_app; print(album_app.__file__); print(m.default_model_path())"
    package_file, model = run(str(python), "-c", probe).split()
    assert Path(package_file).is_relative_to(env_dir), "album_app must come from the wheel, not the checkout"
    assert Path(model) == env_dir / "share" / "album_app" / "assets" / "encoder.onnx"
    assert Path(model).is_file()

    library = tmp_path / "library"
    run(str(env_dir / "bin" / "album-app"), "--library", str(library), "scan",
        str(REPO / "tests" / "fixtures" / "photos"), "--quiet", "--workers", "1")
    status = json.loads(run(str(env_dir / "bin" / "album-app"), "--library", str(library), "status", "--json"))
    assert status["model"]["source"] == "bundled" and Path(status["model"]["path"]) == Path(model)
