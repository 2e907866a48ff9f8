"""Export removes, moves or replaces only what it wrote, only inside DEST (issue 12, item 1).

The manifest in DEST is untrusted: paths leading out of DEST (``..``, absolute, through a folder that is a
link) are never followed, and a manifest that does not parse or validate counts as absent. A file the person
changed, replaced or moved in (an original over its symlink) is left alone and reported, and so is a copy or
hard link that may be the last one of a photo whose original is gone. Originals never change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from export_helpers import cli, listing, manifest_files, only_photos, scanned_library, sha, snapshot

from album_app.services.export import MANIFEST, ExportAlbum, export


def trip(photos: list[Path], name: str = "Trip") -> list[ExportAlbum]:
    return [ExportAlbum(1, name, [str(p) for p in photos])]


@pytest.fixture
def three(tmp_path, make_photo) -> list[Path]:
    return [make_photo(tmp_path / "photos" / f"{n}.jpg", seed=i) for i, n in enumerate("abc")]


# -- the manifest is untrusted input ------------------------------------------------------------------


def hostile_manifests(tmp_path: Path) -> dict[str, tuple[str, list[Path]]]:
    """Name -> (manifest text, files outside DEST it names), as a careless tool or a hostile file would."""
    victim, absolute = tmp_path / "victim.txt", tmp_path / "elsewhere" / "absolute.txt"
    linked = tmp_path / "elsewhere" / "linked" / "p000.jpg"
    for path in (victim, absolute, linked):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"the user's own {path.name}")
    entry = {"source": str(victim), "mode": "copy"}
    v1 = lambda files: json.dumps({"version": 1, "files": files})
    fingerprint = {"kind": "copy", "size": linked.stat().st_size, "mtime_ns": linked.stat().st_mtime_ns,
                   "sha256": sha(linked), "source": str(linked), "mode": "copy"}
    return {
        "dot-dot": (v1({"../victim.txt": entry, "Unsorted/../../victim.txt": entry}), [victim]),
        "absolute": (v1({str(absolute): entry}), [absolute]),
        # A valid manifest with a true fingerprint, but the folder is a link out of DEST.
        "linked-folder": (json.dumps({"version": 2, "files": {"Linked/p000.jpg": fingerprint}}), [linked]),
        "not-json": ('{"version": 1, "files": {"Unsorted/p000.jpg": ', []),
        "not-a-manifest": (json.dumps({"version": 1, "files": [str(victim)]}), [victim]),
        "bad-entry": (v1({"Unsorted/p000.jpg": {"source": "relative/path.jpg", "mode": "copy"}}), []),
    }


@pytest.mark.parametrize("case", ["dot-dot", "absolute", "linked-folder", "not-json", "not-a-manifest", "bad-entry"])
def test_a_hostile_manifest_removes_nothing_outside_dest(tmp_path, make_photo, case):
    library, photos = scanned_library(tmp_path, make_photo, 3)
    text, outside = hostile_manifests(tmp_path)[case]
    before = snapshot(photos)
    outside_before = {p: p.read_bytes() for p in outside}
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "Linked").symlink_to(tmp_path / "elsewhere" / "linked")
    (dest / MANIFEST).write_text(text)
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert code == 0, err
    assert "3 written" in out
    assert {p: p.read_bytes() for p in outside} == outside_before  # nothing outside DEST removed or written
    assert (dest / "Linked").is_symlink() and os.listdir(dest / "Linked") == ["p000.jpg"]
    said = [line for line in err.splitlines() if "manifest" in line]
    assert len(said) == 1, err  # said once
    assert sorted(manifest_files(dest)) == [f"Unsorted/p00{i}.jpg" for i in range(3)]
    # The next export trusts its own manifest again: nothing to do, nothing said.
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert (code, err) == (0, "") and "3 already there" in out
    assert snapshot(photos) == before


def test_an_album_folder_that_is_a_link_out_of_dest_is_not_written_through(tmp_path, make_photo):
    library, photos = scanned_library(tmp_path, make_photo, 2)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".p000.jpg.partial").write_text("a file the old export removed as if its own")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "Unsorted").symlink_to(elsewhere)
    before = snapshot(photos)
    code, _, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert code == 1 and "is a link" in err
    assert sorted(os.listdir(elsewhere)) == [".p000.jpg.partial"]
    assert snapshot(photos) == before


# -- only what the export wrote, exactly, is removed or moved -----------------------------------------


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["edited", "edited-keeping-size-and-mtime"])
def test_an_edited_copy_survives_renaming_its_album(tmp_path, three, keep_mtime):
    before = snapshot(three)
    dest = tmp_path / "out"
    export(trip(three), dest, "copy")
    edited = dest / "Trip" / "a.jpg"
    st = edited.stat()
    data = bytearray(edited.read_bytes())
    data[-3] ^= 0xFF  # the person retouches the exported copy in place
    edited.write_bytes(bytes(data) if keep_mtime else bytes(data) + b"retouched")
    if keep_mtime:
        os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))
    mine = edited.read_bytes()
    report = export(trip(three, "Lisbon"), dest, "copy")
    assert edited.read_bytes() == mine
    assert len(report.left_alone) == 1 and str(edited) in report.left_alone[0] and not report.failed
    assert (report.written, report.moved, report.removed) == (1, 2, 0)
    assert listing(dest) == sorted([MANIFEST, "Lisbon", "Lisbon/a.jpg", "Lisbon/b.jpg", "Lisbon/c.jpg",
                                    "Trip", "Trip/a.jpg"])
    assert sha(dest / "Lisbon" / "a.jpg") == before[str(three[0])][0]
    # It is the person's file now: never counted as the export's again.
    assert "Trip/a.jpg" not in manifest_files(dest)
    assert snapshot(three) == before


def test_an_original_moved_over_its_symlink_is_never_unlinked(tmp_path, three):
    before = snapshot(three)
    dest = tmp_path / "out"
    export(trip(three), dest, "symlink")
    link = dest / "Trip" / "a.jpg"
    os.replace(three[0], link)  # the person moves the original into the album folder, over its link
    report = export(trip(three, "Lisbon"), dest, "symlink")
    assert link.is_file() and not link.is_symlink()
    assert snapshot([link])[str(link)] == before[str(three[0])]  # the only copy, untouched
    assert any(str(link) in line for line in report.left_alone)
    assert any("missing" in line for line in report.failed)  # its original is gone: not exported anew
    assert (report.moved, report.removed) == (2, 0)
    assert snapshot(three[1:]) == {k: v for k, v in before.items() if k != str(three[0])}


@pytest.mark.parametrize("mode", ["symlink", "hardlink", "copy"])
def test_a_file_replaced_in_dest_is_left_alone(tmp_path, three, make_photo, mode):
    before = snapshot(three)
    dest = tmp_path / "out"
    export(trip(three), dest, mode)
    replaced = dest / "Trip" / "b.jpg"
    replaced.unlink()
    make_photo(replaced, seed=99)  # another photo under the same name
    theirs = replaced.read_bytes()
    report = export(trip(three[:1], "Lisbon"), dest, mode)
    assert replaced.read_bytes() == theirs and not replaced.is_symlink()
    assert [line.split(":")[0] for line in report.left_alone] == [str(replaced)]
    assert (report.moved, report.removed) == (1, 1)  # a.jpg moved, c.jpg removed
    assert listing(dest) == sorted([MANIFEST, "Lisbon", "Lisbon/a.jpg", "Trip", "Trip/b.jpg"])
    assert snapshot(three) == before


@pytest.mark.parametrize("mode", ["hardlink", "copy"])
def test_the_last_copy_of_a_deleted_original_is_kept(tmp_path, three, mode):
    dest = tmp_path / "out"
    export(trip(three), dest, mode)
    kept = {p.name: (dest / "Trip" / p.name).read_bytes() for p in three}
    three[0].unlink()  # the person deletes an original, trusting the export
    before = snapshot(three[1:])
    report = export(trip(three[1:], "Lisbon"), dest, mode)
    assert snapshot(three[1:]) == before
    assert (dest / "Trip" / "a.jpg").read_bytes() == kept["a.jpg"]
    assert len(report.left_alone) == 1 and "only copy" in report.left_alone[0]
    assert (report.moved, report.removed, report.failed) == (2, 0, [])


def test_a_hard_link_stays_the_exports_when_its_original_is_edited_in_place(tmp_path, three):
    dest = tmp_path / "out"
    export(trip(three), dest, "hardlink")
    with open(three[0], "ab") as original:  # a tagging tool writes into the original (so into the link too)
        original.write(b"tagged")
    before = snapshot(three)
    again = export(trip(three), dest, "hardlink")
    assert (again.kept, again.left_alone) == (3, [])
    renamed = export(trip(three[1:], "Lisbon"), dest, "hardlink")
    assert (renamed.moved, renamed.removed, renamed.left_alone) == (2, 1, [])
    assert listing(dest) == only_photos(dest, "Lisbon", ["b.jpg", "c.jpg"])
    assert snapshot(three) == before


def test_an_edited_turned_copy_is_not_replaced_by_the_link(tmp_path, make_photo):
    a = make_photo(tmp_path / "photos" / "a.jpg", seed=1, size=(40, 20))
    before = snapshot([a])
    dest = tmp_path / "out"
    first = export(trip([a]), dest, "symlink", turns={str(a): 1})
    assert first.turned == 1
    turned = dest / "Trip" / "a.jpg"
    turned.write_bytes(turned.read_bytes() + b"retouched")
    mine = turned.read_bytes()
    report = export(trip([a]), dest, "symlink")  # without the turn the link would come back: not over this
    assert turned.read_bytes() == mine and not turned.is_symlink()
    assert len(report.left_alone) == 1 and report.written == 0
    assert snapshot([a]) == before


@pytest.mark.parametrize("mode", ["symlink", "hardlink", "copy"])
def test_a_version_1_manifest_is_taken_over(tmp_path, three, mode):
    """An export made by the previous version (a manifest without fingerprints) stays the export's own where
    its files are still links to, hard links of or byte-for-byte copies of their originals."""
    before = snapshot(three)
    dest = tmp_path / "out"
    export(trip(three), dest, mode)
    old = {rel: {"source": e["source"], "mode": e["mode"]} for rel, e in manifest_files(dest).items()}
    (dest / MANIFEST).write_text(json.dumps({"version": 1, "files": old}))
    report = export(trip(three, "Lisbon"), dest, mode)
    assert (report.moved, report.written, report.left_alone, report.notes) == (3, 0, [], [])
    assert listing(dest) == only_photos(dest, "Lisbon", ["a.jpg", "b.jpg", "c.jpg"])
    assert all(entry.get("kind") for entry in manifest_files(dest).values())
    assert snapshot(three) == before


def test_problems_are_counted_not_listed_one_by_one(tmp_path, make_photo):
    library, photos = scanned_library(tmp_path, make_photo, 40)
    dest = tmp_path / "out"
    (dest / "Unsorted").mkdir(parents=True)
    for photo in photos[:30]:
        (dest / "Unsorted" / photo.name).write_text("in the way")
    before = snapshot(photos)
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert code == 1 and "10 written" in out
    lines = err.splitlines()
    assert len(lines) == 11 and "20 more" in lines[-1], err
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy", "--json")
    assert len(json.loads(out)["failed"]) == 30 and len(err.splitlines()) == 11
    assert all((dest / "Unsorted" / p.name).read_text() == "in the way" for p in photos[:30])
    assert snapshot(photos) == before


def test_a_hard_link_of_a_replaced_original_is_not_replaced_by_a_turned_copy(tmp_path, make_photo):
    a = make_photo(tmp_path / "photos" / "a.jpg", seed=1, size=(40, 20))
    dest = tmp_path / "out"
    export(trip([a]), dest, "hardlink")
    old = (dest / "Trip" / "a.jpg").read_bytes()
    a.unlink()
    make_photo(a, seed=2, size=(40, 20))  # another photo saved under the original's name
    before = snapshot([a])
    report = export(trip([a]), dest, "hardlink", turns={str(a): 1})
    assert (dest / "Trip" / "a.jpg").read_bytes() == old  # the last link of the old photo
    assert len(report.left_alone) == 1 and "only copy" in report.left_alone[0] and report.written == 0
    assert snapshot([a]) == before


def test_two_exports_into_one_folder_at_once_are_refused(tmp_path, three):
    import fcntl

    from album_app.services.export import ExportError

    before = snapshot(three)
    dest = tmp_path / "out"
    dest.mkdir()
    holder = os.open(dest, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(ExportError, match="Another export"):
            export(trip(three), dest, "copy")
    finally:
        os.close(holder)
    assert export(trip(three), dest, "copy").written == 3
    assert snapshot(three) == before
