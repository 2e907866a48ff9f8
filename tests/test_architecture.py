"""The rules that keep the code livable: the core imports neither Qt nor torch; the app never imports trainer."""

from __future__ import annotations

import ast
import re
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


# --- the rooms: SQL only in catalog/, albums/ pure, no import cycles ---------------------------------------

SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK)\b")
SQL_CALLS = {"execute", "executemany", "executescript"}
#: What albums/ (data in, labels out) may not import: files, the catalog, ONNX, Qt, torch, the outer layers.
ALBUMS_FORBIDDEN = (
    "sqlite3", "shutil", "tempfile", "onnxruntime", "onnx", "PySide6", "torch", "trainer",
    "album_app.catalog", "album_app.ingest", "album_app.models", "album_app.services", "album_app.gui",
    "album_app.cli",
)


def python_files(*roots: str) -> list[Path]:
    return sorted(p for root in roots for p in (REPO / root).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names taken from it) for each import statement in ``path`` (relative imports resolved), at
    any depth; ``import a.b`` gives ("a.b", [])."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.append((base, [alias.name for alias in node.names]))
    return found


def imported_names(path: Path) -> list[str]:
    """Every dotted name an import in ``path`` reaches: the modules and, for ``from m import x``, ``m.x``."""
    return [name for base, taken in imports(path) for name in (base, *(f"{base}.{x}" for x in taken))]


def test_sql_lives_only_in_the_catalog():
    offenders = []
    for path in python_files("album_app", "trainer"):
        if path.relative_to(REPO).parts[:2] == ("album_app", "catalog"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.func.attr}(...)")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value[:40]!r}")
    assert offenders == []


def test_albums_is_pure():
    offenders = []
    for path in python_files("album_app/albums"):
        for name in imported_names(path):
            if any(name == bad or name.startswith(bad + ".") for bad in ALBUMS_FORBIDDEN):
                offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []


def test_no_import_cycles_between_modules():
    """Across the app and the trainer (whose CLI, rotation trainer and rotation library job once imported each
    other in a circle): imports inside functions count too."""
    modules = {module_name(p): p for p in python_files("album_app", "trainer")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for base, taken in imports(path):
            # `from pkg import sub` depends on pkg.sub (a parent package is always imported first, which is
            # no dependency of ours); `from mod import thing` on mod.
            subs = [f"{base}.{x}" for x in taken if f"{base}.{x}" in modules]
            targets = subs + ([base] if len(subs) < len(taken) or not taken else [])
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.add(target)
        graph[name] = edges
    cycles = strongly_connected(graph)
    assert cycles == [], f"modules that import each other (directly or through others): {cycles}"


def test_exit_codes_are_defined_once():
    """album-app, the window and album-trainer exit with the codes of album_app/exit_codes.py, defined nowhere else."""
    offenders = []
    for path in python_files("album_app", "trainer"):
        if path.relative_to(REPO).as_posix() == "album_app/exit_codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]
                offenders += [f"{path.relative_to(REPO)}:{node.lineno}: {n}" for n in names if n.startswith("EXIT_")]
    assert offenders == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_the_test_seam_is_one_module():
    """Faults are injected through album_app/faults.py alone: no other module reads the environment for them."""
    offenders = [
        f"{path.relative_to(REPO)}"
        for path in python_files("album_app", "trainer")
        if "ALBUM_APP_TEST" in path.read_text() and path.name != "faults.py"
    ]
    assert offenders == []
