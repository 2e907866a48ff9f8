"""Export of phone and camera folders (issue 16): an item's parts go with it, videos go like photos, and
nothing that is not a plain still is ever turned. Through the CLI, on the fixtures of tests/fixtures/media."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from export_helpers import MEDIA, cli, listing, manifest_files, scanned_card, snapshot

from album_app.services.export import MANIFEST, ExportAlbum, export, plan_layout

#: The card: a Live Photo (HEIC + MOV), a RAW+JPEG pair, a motion photo, two videos, a photo with a sidecar.
CARD = ("IMG_0001.HEIC", "IMG_0001.MOV", "DSC_0042.DNG", "DSC_0042.JPG", "PXL_motion.jpg", "clip.mp4",
        "portrait.mov", "scan_0007.jpg", "scan_0007.jpg.xmp")
ITEMS = ["IMG_0001.HEIC", "DSC_0042.JPG", "PXL_motion.jpg", "clip.mp4", "portrait.mov", "scan_0007.jpg"]

pytest.importorskip("av", reason="PyAV reads the videos")
pytest.importorskip("rawpy", reason="rawpy reads the RAW file")


@pytest.fixture
def card_library(tmp_path: Path) -> tuple[Path, Path]:
    library, card = scanned_card(tmp_path, CARD)
    code, out, err = cli("--library", str(library), "status", "--json")
    assert code == 0, err
    counts = json.loads(out)["counts"]
    assert (counts["indexed"], counts["parts"]) == (len(ITEMS), 2), out  # the MOV and the DNG are parts
    return library, card


def export_json(library: Path, dest: Path, *args: str) -> dict[str, object]:
    code, out, err = cli("--library", str(library), "export", str(dest), "--json", *args)
    assert code == 0, err
    return json.loads(out)


def in_folder(dest: Path, folder: str = "Unsorted") -> list[str]:
    return sorted(path.name for path in (dest / folder).iterdir())


@pytest.mark.parametrize("mode", ["symlink", "hardlink", "copy"])
def test_a_live_photo_goes_with_its_video_and_videos_go_like_photos(card_library, tmp_path, mode):
    library, card = card_library
    before = snapshot(sorted(card.iterdir()))
    dest = tmp_path / "out"
    report = export_json(library, dest, "--mode", mode)
    # The Live Photo's MOV beside its HEIC; the pair's JPEG without its RAW; the motion photo, the videos; the
    # scan's XMP sidecar (its ratings and keywords) beside it, under the name digiKam looks for.
    assert in_folder(dest) == sorted([*ITEMS, "IMG_0001.MOV", "scan_0007.jpg.xmp"])
    assert report["written"] == len(ITEMS) + 2 and report["parts"] == 2 and not report["failed"]
    assert (dest / "Unsorted" / "scan_0007.jpg.xmp").read_bytes() == (card / "scan_0007.jpg.xmp").read_bytes()
    for name in ("IMG_0001.MOV", "clip.mp4", "PXL_motion.jpg"):
        assert (dest / "Unsorted" / name).read_bytes() == (card / name).read_bytes()
    assert manifest_files(dest)["Unsorted/IMG_0001.MOV"]["source"] == str(card / "IMG_0001.MOV")
    again = export_json(library, dest, "--mode", mode)
    assert (again["written"], again["kept"], again["parts"]) == (0, len(ITEMS) + 2, 2)
    assert snapshot(sorted(card.iterdir())) == before  # the originals untouched


def test_with_raw_the_raw_goes_beside_its_jpeg_and_leaves_when_no_longer_asked(card_library, tmp_path):
    library, card = card_library
    before = snapshot(sorted(card.iterdir()))
    dest = tmp_path / "out"
    with_raw = export_json(library, dest, "--mode", "copy", "--with-raw")
    assert "DSC_0042.DNG" in in_folder(dest) and with_raw["parts"] == 3
    assert (dest / "Unsorted" / "DSC_0042.DNG").read_bytes() == (card / "DSC_0042.DNG").read_bytes()
    without = export_json(library, dest, "--mode", "copy")
    assert "DSC_0042.DNG" not in in_folder(dest) and "DSC_0042.JPG" in in_folder(dest)
    assert (without["removed"], without["parts"]) == (1, 2)  # its own copy, still as written: removed
    assert snapshot(sorted(card.iterdir())) == before


def test_the_text_report_counts_the_parts(card_library, tmp_path):
    library, _ = card_library
    code, out, err = cli("--library", str(library), "export", str(tmp_path / "out"), "--with-raw")
    assert code == 0, err
    assert "including 3 files that go with an item" in out


def test_a_part_is_named_after_its_items_file_so_the_pair_stays_a_pair(tmp_path, make_photo):
    """Two Live Photos both named IMG_0001 in one album: the second pair becomes IMG_0001 (2).*, together."""
    first, second = (make_photo(tmp_path / folder / "IMG_0001.JPG", seed=i) for i, folder in enumerate("ab"))
    videos = []
    for folder in "ab":
        video = tmp_path / folder / "IMG_0001.MOV"
        video.write_bytes(f"the video of {folder}".encode())
        videos.append(video)
    taken = make_photo(tmp_path / "c" / "IMG_0001 (2).MOV.jpg", seed=5)  # a name that looks like a part's
    albums = [ExportAlbum(1, "Trip", [str(first), str(second), str(taken)])]
    parts = {str(first): [str(videos[0])], str(second): [str(videos[1])]}
    assert plan_layout(albums, parts) == {
        "Trip/IMG_0001.JPG": str(first),
        "Trip/IMG_0001.MOV": str(videos[0]),
        "Trip/IMG_0001 (2).JPG": str(second),
        "Trip/IMG_0001 (2).MOV": str(videos[1]),
        "Trip/IMG_0001 (2).MOV.jpg": str(taken),
    }
    # The pair keeps its shared stem even when a file of the album already holds the plain name.
    clash = make_photo(tmp_path / "d" / "img_0001.mov", seed=6)
    layout = plan_layout([ExportAlbum(1, "Trip", [str(clash), str(first)])], parts)
    assert layout == {
        "Trip/img_0001.mov": str(clash),
        "Trip/IMG_0001 (2).JPG": str(first),
        "Trip/IMG_0001 (2).MOV": str(videos[0]),
    }
    report = export(albums, tmp_path / "out", "symlink", parts=parts)
    assert (report.written, report.parts) == (5, 2)
    assert (tmp_path / "out" / "Trip" / "IMG_0001 (2).MOV").read_bytes() == b"the video of b"


def test_videos_raw_files_and_motion_photos_are_never_turned(card_library, tmp_path):
    """Asked to turn them, the export writes each as it is (a link here) and says why."""
    _, card = card_library
    before = snapshot(sorted(card.iterdir()))
    names = ("clip.mp4", "DSC_0042.DNG", "PXL_motion.jpg", "DSC_0042.JPG")
    albums = [ExportAlbum(1, "Trip", [str(card / name) for name in names])]
    report = export(albums, tmp_path / "out", "symlink", turns={str(card / name): 1 for name in names})
    assert report.turned == 1 and not report.failed  # the plain JPEG only
    why = {line.split(":")[0]: line for line in report.not_turned}
    assert "a video" in why[str(card / "clip.mp4")]
    assert "a RAW file" in why[str(card / "DSC_0042.DNG")]
    assert "a motion photo" in why[str(card / "PXL_motion.jpg")]
    assert "lose the video" in why[str(card / "PXL_motion.jpg")]
    for name in names[:3]:
        assert (tmp_path / "out" / "Trip" / name).is_symlink()
    assert not (tmp_path / "out" / "Trip" / "DSC_0042.JPG").is_symlink()  # a turned copy
    assert snapshot(sorted(card.iterdir())) == before
    assert listing(tmp_path / "out") == sorted([MANIFEST, "Trip", *(f"Trip/{name}" for name in names)])


def test_a_sidecar_keeps_its_double_suffix_on_the_items_new_name(tmp_path, make_photo):
    """A RAW's sidecar (IMG_1.CR2.xmp) and a JPEG's (IMG_1.JPG.xmp) stay apart, and follow a renamed pair."""
    first, second = (make_photo(tmp_path / folder / "IMG_1.JPG", seed=i) for i, folder in enumerate("ab"))
    raw, raw_xmp, jpeg_xmp = (tmp_path / "b" / name for name in ("IMG_1.CR2", "IMG_1.CR2.xmp", "IMG_1.JPG.xmp"))
    for path in (raw, raw_xmp, jpeg_xmp):
        path.write_bytes(path.name.encode())
    parts = {str(second): [str(raw), str(jpeg_xmp), str(raw_xmp)]}
    assert plan_layout([ExportAlbum(1, "Trip", [str(first), str(second)])], parts) == {
        "Trip/IMG_1.JPG": str(first),
        "Trip/IMG_1 (2).JPG": str(second),
        "Trip/IMG_1 (2).CR2": str(raw),
        "Trip/IMG_1 (2).JPG.xmp": str(jpeg_xmp),
        "Trip/IMG_1 (2).CR2.xmp": str(raw_xmp),
    }


def test_the_scan_says_how_many_indexed_files_are_parts_of_other_items(tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    for name in CARD:
        shutil.copy2(MEDIA / name, card / name)
    code, out, err = cli("--library", str(tmp_path / "library"), "scan", str(card), "--json", "--workers", "0",
                         "--no-embed")
    assert code == 0, err
    scan = json.loads(out)
    assert scan["indexed"] - scan["indexed_parts"] == len(ITEMS) and scan["indexed_parts"] == scan["parts"] == 2
    assert "indexed_paths" not in scan
