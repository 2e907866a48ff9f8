"""bench/real_placement.py's library: owners carry EXIF time and GPS, a friend's copies none and a messenger name."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PIL import Image
from shared_data import shared_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

WHATSAPP = re.compile(r"WhatsApp Images/IMG-\d{8}-WA\d{4}\.jpg")


def test_a_tiny_real_library_has_owners_with_exif_and_friends_without(tmp_path: Path):
    shared_path("photos-corpus")
    shared_path("real-places-dev")
    import real_placement as rp

    from album_app.ingest.exif import read_meta

    groups = rp.held_out_groups()[:3]
    truth = rp.make_real_library(
        tmp_path / "lib", seed=0, per_group=3, unrelated_groups=1, groups=groups, places=["alupka", "kyiv"]
    )
    photos = truth["photos"]
    assert len(truth["unrelated_groups"]) == 1 and truth["unrelated_groups"][0] in groups
    assert len(truth["events"]) == 4  # 2 corpus groups + 2 places
    for rel, photo in photos.items():
        meta = read_meta((tmp_path / "lib" / rel).read_bytes(), Path(rel).name)
        if photo["kind"] == "exif":
            assert meta.taken_at is not None and meta.lat is not None and meta.lon is not None, rel
        else:
            assert len(Image.open(tmp_path / "lib" / rel).getexif()) == 0, rel
            assert meta.taken_at is None and meta.lat is None, rel
        if photo["kind"] == "friend":
            assert WHATSAPP.fullmatch(rel), rel
            assert meta.time_hint is not None and f"{meta.time_hint:%Y-%m-%d}" == photo["name_date"]
    # A place of two photos: one owner's photo and one friend's copy.
    alupka = next(e for e, d in truth["events"].items() if d["group"] == "alupka")
    kinds = sorted(p["kind"] for p in photos.values() if p["event"] == alupka)
    assert kinds == ["exif", "friend"]
    assert any(p["kind"] == "unrelated" for p in photos.values())
