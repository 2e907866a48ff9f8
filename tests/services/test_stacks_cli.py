"""`album-app stacks`: bursts listed as the window shows them, JSON contract, album filter, exit codes."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from burst_library import BURST, build

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.cli import main
from album_app.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from album_app.library import resolve_library
from album_app.services import stacks as stacks_module


@pytest.fixture(autouse=True)
def fresh_cache():
    stacks_module.forget()
    yield
    stacks_module.forget()


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse refuses a bad argument this way
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def library(tmp_path):
    return build(tmp_path / "library")


def test_stacks_json_lists_the_burst(library):
    code, out, _ = run("--library", str(library.root), "stacks", "--json")
    assert code == EXIT_OK
    records = json.loads(out)
    assert len(records) == 1
    record = records[0]
    assert set(record) >= {"cover", "photos", "kind", "span_s", "count", "album", "cover_id", "photo_ids"}
    assert record["photos"] == [f"/nowhere/burst_{i}.jpg" for i in range(BURST)]
    assert record["photo_ids"] == library.burst and record["count"] == BURST
    assert record["cover"] == "/nowhere/burst_1.jpg" and record["cover_id"] == library.burst[1]
    assert record["kind"] == "burst" and record["span_s"] == pytest.approx(BURST - 1)
    assert record["album"] == library.album


def test_stacks_text_and_album_filter(library):
    code, out, _ = run("--library", str(library.root), "stacks")
    assert code == EXIT_OK
    assert f"burst of {BURST} photos over 3.0 s (album {library.album}), cover /nowhere/burst_1.jpg" in out
    assert out.rstrip().endswith(f"1 stacks hold {BURST} photos; each shows as one photo in the window")
    code, out, _ = run("--library", str(library.root), "stacks", "--album", str(library.other), "--json")
    assert code == EXIT_OK and json.loads(out) == []


def test_a_stack_split_between_albums_shows_where_two_members_remain(library):
    paths = resolve_library(library.root)
    with Catalog(paths, writer=True) as catalog, catalog.transaction() as conn:
        rows.place(conn, library.burst[0], library.other)  # one frame moved to the other album
    code, out, _ = run("--library", str(library.root), "stacks", "--album", str(library.album), "--json")
    assert code == EXIT_OK
    (record,) = json.loads(out)
    assert record["photo_ids"] == library.burst[1:] and record["count"] == BURST - 1
    code, out, _ = run("--library", str(library.root), "stacks", "--album", str(library.other), "--json")
    assert json.loads(out) == []  # one member there: no stack


def test_stacks_errors(library, tmp_path):
    code, _, err = run("--library", str(library.root), "stacks", "--album", "999")
    assert code == EXIT_ERROR and "no album 999" in err
    code, _, err = run("--library", str(tmp_path / "empty"), "stacks")
    assert code == EXIT_ERROR and "scan a folder first" in err
    code, _, _ = run("--library", str(library.root), "stacks", "--album", "lisbon")
    assert code == EXIT_USAGE
