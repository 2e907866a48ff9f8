"""The rules that keep the code livable: the core imports neither Qt nor torch; the app never imports trainer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    names = []
    for path in sorted((REPO / "album_app").rglob("*.py")):
        relative = path.relative_to(REPO).with_suffix("")
        if "gui" in relative.parts or relative.name == "__main__":
            continue
        names.append(".".join(relative.parts).removesuffix(".__init__"))
    return names


def test_core_imports_neither_torch_nor_qt():
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'trainer'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core modules pulled in: {result.stdout.strip()}"


def test_album_app_never_imports_trainer_or_torch_in_source():
    offenders = []
    for path in (REPO / "album_app").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("torch", "trainer") or (top == "PySide6" and "gui" not in path.parts):
                    offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []
