"""date_from_filename: the names phones and messengers write, and names that only look like dates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from album_app.ingest.filename_dates import date_from_filename, is_plausible

NOW = datetime(2025, 1, 15, 12, 0, 0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # WhatsApp on Android: date only
        ("IMG-20240612-WA0001.jpg", datetime(2024, 6, 12)),
        ("VID-20240612-WA0013.mp4", datetime(2024, 6, 12)),
        ("img-20240612-wa0001.jpeg", datetime(2024, 6, 12)),
        # WhatsApp desktop / iOS export
        ("WhatsApp Image 2024-06-12 at 15.30.12.jpeg", datetime(2024, 6, 12, 15, 30, 12)),
        ("WhatsApp Image 2024-06-12 at 15.30.12 (1).jpeg", datetime(2024, 6, 12, 15, 30, 12)),
        ("WhatsApp Video 2024-06-12 at 3.30.12 PM.mp4", datetime(2024, 6, 12, 15, 30, 12)),
        ("WhatsApp Image 2024-06-12 at 12.05.00 AM.jpeg", datetime(2024, 6, 12, 0, 5, 0)),
        # Android cameras
        ("IMG_20240612_153012.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("VID_20240612_153012.mp4", datetime(2024, 6, 12, 15, 30, 12)),
        ("PXL_20240612_153012345.jpg", datetime(2024, 6, 12, 15, 30, 12, 345000)),
        ("PXL_20240612_153012345.MP.jpg", datetime(2024, 6, 12, 15, 30, 12, 345000)),
        ("PANO_20240612_153012.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("IMG_20240612_153012_HDR.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        # Samsung
        ("20240612_153012.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("20240612_153012(0).jpg", datetime(2024, 6, 12, 15, 30, 12)),
        # Screenshots
        ("Screenshot_2024-06-12-15-30-12.png", datetime(2024, 6, 12, 15, 30, 12)),
        ("Screenshot_20240612-153012_Chrome.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("Screenshot 2024-06-12 at 15.30.12.png", datetime(2024, 6, 12, 15, 30, 12)),
        ("Screen Shot 2020-01-02 at 3.04.05 PM.png", datetime(2020, 1, 2, 15, 4, 5)),
        ("Screenshot 2023-11-03 at 9.41.07\u202fAM.png", datetime(2023, 11, 3, 9, 41, 7)),
        # Signal
        ("signal-2024-06-12-153012.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("signal-2024-06-12-15-30-12-123.jpg", datetime(2024, 6, 12, 15, 30, 12, 123000)),
        # Telegram
        ("photo_2024-06-12_15-30-12.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("video_2024-06-12_15-30-12.mp4", datetime(2024, 6, 12, 15, 30, 12)),
        # Date-only forms
        ("IMG_20240612.jpg", datetime(2024, 6, 12)),
        ("2024-06-12 Birthday.jpg", datetime(2024, 6, 12)),
        ("Scan_2024_06_12.jpg", datetime(2024, 6, 12)),
        # Paths, both separators
        ("/home/me/Pictures/IMG_20240612_153012.jpg", datetime(2024, 6, 12, 15, 30, 12)),
        ("C:\\Users\\me\\IMG-20240612-WA0001.jpg", datetime(2024, 6, 12)),
        # Edges of the window
        ("IMG_19900101_000000.jpg", datetime(1990, 1, 1)),
        ("IMG_20250116_110000.jpg", datetime(2025, 1, 16, 11)),  # within a day of NOW
    ],
)
def test_recognised_names(name: str, expected: datetime) -> None:
    assert date_from_filename(name, now=NOW) == expected


@pytest.mark.parametrize(
    "name",
    [
        "DSCN0010.jpg",
        "DSC_0001.JPG",
        "IMG_1234.JPG",
        "P1010001.JPG",
        "image00971.jpg",
        "holiday.jpg",
        "",
        # hashes and ids: digit runs glued to letters or to more digits
        "d41d8cd98f00b204e9800998ecf8427e.jpg",
        "a20240612b.jpg",
        "20240612153012.jpg",
        "120240612_153012.jpg",
        "10155123456789012_1234567890123456_n.jpg",
        "IMG-202406120-WA0001.jpg",
        # impossible dates and times
        "IMG_20241312_153012.jpg",  # month 13
        "IMG_20240230_153012.jpg",  # 30 February
        "IMG_20240612_253012.jpg",  # 25 o'clock
        "IMG_20240612_156012.jpg",  # minute 60
        "IMG-20240000-WA0001.jpg",
        "Screen Shot 2020-01-02 at 13.04.05 PM.png",  # 13 PM
        "2024-13-01 party.jpg",
        # outside 1990..tomorrow
        "IMG_19891231_235959.jpg",
        "IMG-19700101-WA0001.jpg",
        "IMG_20250117_120001.jpg",  # more than a day after NOW
        "photo_2999-01-01_10-00-00.jpg",
        # mixed separators are not a date
        "2024-06_12.jpg",
    ],
)
def test_rejected_names(name: str) -> None:
    assert date_from_filename(name, now=NOW) is None


def test_default_now_is_the_current_time() -> None:
    tomorrow = datetime.now() + timedelta(days=3)
    assert date_from_filename(tomorrow.strftime("IMG_%Y%m%d_%H%M%S.jpg")) is None
    assert date_from_filename("IMG_20200101_101010.jpg") == datetime(2020, 1, 1, 10, 10, 10)


def test_first_valid_candidate_wins() -> None:
    # an impossible stamp followed by a good one
    assert date_from_filename("IMG_20241399_000000 copy 2024-06-12.jpg", now=NOW) == datetime(2024, 6, 12)


def test_is_plausible_window() -> None:
    assert is_plausible(datetime(1990, 1, 1), now=NOW)
    assert not is_plausible(datetime(1989, 12, 31, 23, 59), now=NOW)
    assert is_plausible(NOW + timedelta(hours=23), now=NOW)
    assert not is_plausible(NOW + timedelta(days=2), now=NOW)
