"""Screenshots and other non-photos, recognised by what they are, before any album is built.

A file is judged on facts the scan already stored (no pixels): whether a camera wrote EXIF (a make or
model), its format, its pixel size and its file name.
  * **screenshot**: no camera EXIF, and either a name that screenshot tools write (Android
    ``Screenshot_20240612-153012.png``, Windows ``Screenshot 2024-06-12 153012.png`` and
    ``Screenshot (12).png``, macOS ``Screenshot 2024-06-12 at 15.30.12.png`` and ``Screen Shot …``,
    ``Bildschirmfoto …``, ``Capture d'écran …``), or a PNG at a device screen's size or shape (a phone
    screen is 16:9 or taller; a computer screen's size is one of the usual ones). An iPhone names its
    screenshots like its photos (``IMG_1234.PNG``), so the PNG-at-screen-size rule is what finds those.
  * **messenger**: no camera EXIF and a name a messenger gives a photo it passed on (WhatsApp,
    Telegram, Signal, Facebook Messenger, Viber, Line): a friend's copy, to be placed by look and date.
  * **camera**: no EXIF but a camera's or phone's own name (``IMG_1234.JPG``, ``DSC_0001.JPG``,
    ``PXL_…``, videos' ``VID_20240612_…``, ``MVI_1234.MOV``): a photo or video whose EXIF was lost, placed
    by look as any EXIF-less photo.
  * **download**: no camera EXIF and nothing above matched (``download (3).jpg``, ``FB_IMG_…``, a hash):
    a download or a meme. It stays Unsorted; look alone does not put it in an event.
  * **photo**: a camera wrote EXIF.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

PHOTO, SCREENSHOT, MESSENGER, CAMERA, DOWNLOAD = "photo", "screenshot", "messenger", "camera", "download"
#: File kinds that are photos of the person's own life when they lack a time: placed by look. The others
#: (screenshots, downloads and memes) never join an event by look, whatever the method.
PLACED_BY_LOOK = (MESSENGER, CAMERA, PHOTO)

_SCREENSHOT_NAME = re.compile(
    r"^(screenshot|screen[ _]shot|screen[ _]recording|scrnli|bildschirmfoto|capture d.{1,2}[ée]cran"
    r"|captura de pantalla|schermafbeelding|istantanea|snímek obrazovky|zrzut ekranu)",
    re.IGNORECASE,
)
_MESSENGER_NAME = re.compile(
    r"^(IMG-\d{8}-WA\d+|WhatsApp Image |photo_\d{4}-\d{2}-\d{2}_|signal-\d{4}-\d{2}-\d{2}|received_\d+"
    r"|viber_image|line_\d+|telegram-cloud-photo|PHOTO-\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_CAMERA_NAME = re.compile(
    r"^(IMG_\d{3,}|IMG_E\d+|IMG\d{8}|DSC[FN_]?\d{3,}|_DSC\d+|DSCF\d+|P\d{7}|PXL_\d{8}|MVIMG_|PANO_|GOPR\d+"
    r"|G\d{7}|DJI_\d+|\d{8}_\d{6}(_\w+)?\.|CIMG\d+|SAM_\d+|PICT\d+|100_\d+|HPIM\d+|KIF_\d+"
    r"|VID_?\d{8}|MVI_\d+|MOV_\d+)",
    re.IGNORECASE,
)
#: Computer screens, as (long, short) pixels (also at 2× on HiDPI).
DESKTOP_SCREENS = frozenset({
    (1024, 768), (1280, 720), (1280, 800), (1280, 1024), (1366, 768), (1440, 900), (1536, 864), (1600, 900),
    (1680, 1050), (1920, 1080), (1920, 1200), (2560, 1080), (2560, 1440), (2560, 1600), (2880, 1800),
    (3024, 1964), (3456, 2234), (3440, 1440), (3840, 2160), (2736, 1824), (2256, 1504),
})
#: A phone or tablet screen is at least this tall for its width (16:9 = 1.78; modern phones 19.5:9 = 2.17)...
PHONE_ASPECT = 1.75
#: ...or exactly a tablet's 4:3 at one of its screen sizes.
TABLET_SCREENS = frozenset({(1024, 768), (2048, 1536), (2224, 1668), (2388, 1668), (2732, 2048), (2360, 1640)})
#: ...and at least this many pixels across (a thumbnail or an emoji is no screenshot).
MIN_SCREEN_SHORT = 640


def classify_files(names: Sequence[str], formats: Sequence[str | None], widths: np.ndarray, heights: np.ndarray,
                   has_camera: np.ndarray) -> np.ndarray:
    """One of PHOTO, SCREENSHOT, MESSENGER, CAMERA, DOWNLOAD per file (module docstring).

    ``names`` are file names (a path is cut to its last part), ``formats`` the detected format ("PNG",
    "JPEG", …), ``has_camera`` True where a camera wrote EXIF (a make or model).
    """
    out = np.empty(len(names), dtype=object)
    widths = np.asarray(widths, np.float64)
    heights = np.asarray(heights, np.float64)
    camera = np.asarray(has_camera, bool)
    out[camera] = PHOTO  # what _classify_one says first, without a call per camera photo (most of a roll)
    for i in np.flatnonzero(~camera).tolist():
        name = names[i]
        base = name.replace("\\", "/").rpartition("/")[2]
        out[i] = _classify_one(base, (formats[i] or "").upper(), widths[i], heights[i], bool(has_camera[i]))
    return out


def _classify_one(name: str, fmt: str, width: float, height: float, camera: bool) -> str:
    if camera:
        return PHOTO
    if _SCREENSHOT_NAME.match(name):
        return SCREENSHOT
    if fmt == "PNG" and is_screen_size(width, height):
        return SCREENSHOT
    if _MESSENGER_NAME.match(name):
        return MESSENGER
    if _CAMERA_NAME.match(name):
        return CAMERA
    return DOWNLOAD


def is_screen_size(width: float, height: float) -> bool:
    """A device screen's size or shape: a phone's tall aspect, or a known computer/tablet resolution."""
    if not (np.isfinite(width) and np.isfinite(height)) or min(width, height) <= 0:
        return False
    long, short = max(width, height), min(width, height)
    size = (int(long), int(short))
    if size in DESKTOP_SCREENS or size in TABLET_SCREENS:
        return True
    return short >= MIN_SCREEN_SHORT and long / short >= PHONE_ASPECT and height > width
