"""Screenshots, messenger copies, EXIF-less camera files and downloads, told apart by what they are."""

from __future__ import annotations

import numpy as np
import pytest

from album_app.albums.screens import CAMERA, DOWNLOAD, MESSENGER, PHOTO, SCREENSHOT, classify_files, is_screen_size


@pytest.mark.parametrize(
    ("name", "fmt", "size", "camera", "kind"),
    [
        ("Screenshot_20240612-153012.png", "PNG", (1080, 2400), False, SCREENSHOT),  # Android
        ("Screenshot_20240612-153012_Chrome.jpg", "JPEG", (1080, 2400), False, SCREENSHOT),  # Samsung JPEG
        ("IMG_1234.PNG", "PNG", (1170, 2532), False, SCREENSHOT),  # iPhone: named like a photo
        ("Screenshot 2024-06-12 153012.png", "PNG", (1920, 1080), False, SCREENSHOT),  # Windows
        ("Screenshot (12).png", "PNG", (1366, 768), False, SCREENSHOT),
        ("Screenshot 2024-06-12 at 15.30.12.png", "PNG", (2880, 1800), False, SCREENSHOT),  # macOS
        ("Screen Shot 2020-01-02 at 3.04.05 PM.png", "PNG", (2560, 1600), False, SCREENSHOT),
        ("Bildschirmfoto 2024-06-12 um 15.30.12.png", "PNG", (1440, 900), False, SCREENSHOT),
        ("capture.png", "PNG", (1920, 1080), False, SCREENSHOT),  # a desktop screen's size, any name
        ("IMG-20240612-WA0007.jpg", "JPEG", (1600, 1200), False, MESSENGER),
        ("WhatsApp Image 2024-06-12 at 15.30.12.jpeg", "JPEG", (1280, 960), False, MESSENGER),
        ("photo_2024-06-12_15-30-12.jpg", "JPEG", (1280, 960), False, MESSENGER),  # Telegram
        ("signal-2024-06-12-153012.jpg", "JPEG", (1280, 960), False, MESSENGER),
        ("received_1234567890123456.jpeg", "JPEG", (960, 720), False, MESSENGER),  # Facebook Messenger
        ("IMG_1234.JPG", "JPEG", (4032, 3024), False, CAMERA),  # EXIF lost, still a phone's photo
        ("DSCF0042.JPG", "JPEG", (6000, 4000), False, CAMERA),
        ("VID_20240612_153012.mp4", "MP4", (1920, 1080), False, CAMERA),  # an Android video without metadata
        ("MVI_0042.MOV", "MOV", (1920, 1080), False, CAMERA),  # a Canon's video
        ("download (3).jpg", "JPEG", (720, 720), False, DOWNLOAD),
        ("images.jpeg", "JPEG", (225, 225), False, DOWNLOAD),
        ("FB_IMG_1710255012345.jpg", "JPEG", (720, 960), False, DOWNLOAD),
        ("meme_a1b2c3d4.png", "PNG", (600, 700), False, DOWNLOAD),  # a PNG, but no screen's shape
        ("Screenshot_20240612-153012.png", "PNG", (1080, 2400), True, PHOTO),  # a camera wrote EXIF: a photo
        ("PXL_20240612_153012345.jpg", "JPEG", (4080, 3072), True, PHOTO),
    ],
)
def test_kinds(name, fmt, size, camera, kind):
    got = classify_files([f"some/folder/{name}"], [fmt], np.array([size[0]]), np.array([size[1]]), np.array([camera]))
    assert got[0] == kind


def test_screen_sizes():
    assert is_screen_size(1080, 2400) and is_screen_size(750, 1334) and is_screen_size(2560, 1440)
    assert not is_screen_size(4032, 3024)  # a 4:3 photo
    assert not is_screen_size(2400, 1080)  # a wide panorama, not a phone held upright
    assert not is_screen_size(120, 240)  # too small to be a screen
    assert not is_screen_size(float("nan"), 100)


def test_camera_photos_are_photos_whatever_their_name_and_the_rest_by_the_rules():
    from album_app.albums.screens import _classify_one

    names = ["Screenshot_1.png", "IMG-20240301-WA0001.jpg", "Screenshot_2.png", "DSC_0001.JPG", "x/meme.png"]
    formats = ["PNG", "JPEG", None, "JPEG", "PNG"]
    widths, heights = np.array([1080.0, 800, 1080, 6000, 1080]), np.array([2400.0, 600, 2400, 4000, 2400])
    camera = np.array([True, False, False, True, False])
    got = classify_files(names, formats, widths, heights, camera).tolist()
    assert got == [_classify_one(n.rpartition("/")[2], (f or "").upper(), w, h, c)
                   for n, f, w, h, c in zip(names, formats, widths, heights, camera, strict=True)]
    assert got[0] == got[3] == PHOTO and got[2] == SCREENSHOT
