"""Recognise a photo, video or RAW file by its bytes, not its name, and give a file its content identity."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

HEADER_BYTES = 64

# ISO-BMFF brands (bytes 8..12 after 'ftyp') that are still images rather than videos.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"mif2", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}
#: ISO-BMFF / QuickTime brands of videos: MP4, QuickTime, M4V, 3GPP and the brands phones write.
VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"avc1",
    b"dash", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a", b"3g2b", b"MSNV", b"XAVC", b"mmp4", b"nvr1", b"f4v ",
}
#: QuickTime files without an 'ftyp' box start straight with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_TIFF_HEADERS = (b"II*\x00", b"MM\x00*")

VIDEO_FORMATS = frozenset({"MP4", "MOV", "3GP", "MKV", "WEBM", "AVI"})
RAW_FORMATS = frozenset({"CR2", "CR3", "NEF", "ARW", "DNG", "RAF", "ORF", "RW2", "PEF", "RAW"})

#: Makers whose TIFF-structured RAW files (NEF, ARW, PEF, …) look like plain TIFF in their first bytes.
_RAW_MAKERS = ("nikon", "sony", "pentax", "ricoh", "canon", "olympus", "om digital", "panasonic", "leica",
               "hasselblad", "phase one", "fujifilm", "samsung", "sigma", "kodak", "minolta", "epson", "mamiya")
_RAW_BY_MAKER = {"nikon": "NEF", "sony": "ARW", "pentax": "PEF", "ricoh": "PEF"}


def sniff(header: bytes) -> str | None:
    """The format the first bytes announce (JPEG, PNG, WEBP, TIFF, HEIF, AVIF, a video or RAW format);
    None when it is none of those."""
    if header.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if header[:4] == b"RIFF":
        return {b"WEBP": "WEBP", b"AVI ": "AVI"}.get(header[8:12])
    if header.startswith(b"FUJIFILMCCD-RAW"):
        return "RAF"
    if header[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if header[:4] == b"IIU\x00":
        return "RW2"
    if header[:4] in _TIFF_HEADERS:
        return "CR2" if header[8:10] == b"CR" else "TIFF"  # other TIFF-based RAWs: see refine_tiff
    if header.startswith(b"\x1a\x45\xdf\xa3"):
        return "WEBM" if b"webm" in header[:64] else "MKV"
    return _sniff_isobmff(header)


def _sniff_isobmff(header: bytes) -> str | None:
    box = header[4:8]
    if box == b"ftyp":
        brand = header[8:12]
        if brand in HEIF_BRANDS:
            return "HEIF"
        if brand in AVIF_BRANDS:
            return "AVIF"
        if brand == b"crx ":
            return "CR3"
        if brand == b"qt  ":
            return "MOV"
        if brand.startswith((b"3gp", b"3g2")):
            return "3GP"
        if brand in VIDEO_BRANDS:
            return "MP4"
        return None
    if box in _QUICKTIME_ATOMS:
        return "MOV"
    return None


def refine_tiff(data: bytes) -> str:
    """TIFF or the RAW format a TIFF-structured file really is (DNG, NEF, ARW, PEF, …).

    Those RAW files start like any TIFF; what gives them away is in the first directory: DNG's version tag,
    or a camera maker with a first image that is only a reduced preview (NewSubfileType 1) or sub-images.
    """
    tags = _ifd0_tags(data)
    if 0xC612 in tags:  # DNGVersion
        return "DNG"
    maker = _ascii(data, tags.get(0x010F)).lower()
    reduced = tags.get(0x00FE) is not None and _short_value(data, tags[0x00FE]) == 1
    if maker.startswith(_RAW_MAKERS) and (reduced or 0x014A in tags):  # 0x014A: SubIFDs
        for prefix, name in _RAW_BY_MAKER.items():
            if maker.startswith(prefix):
                return name
        return "RAW"
    return "TIFF"


def _ifd0_tags(data: bytes) -> dict[int, tuple[int, int, int, int]]:
    """IFD0 of a TIFF: tag -> (type, count, value-or-offset field position, byte order marker), bounded."""
    little = data[:2] == b"II"
    order = "little" if little else "big"
    if len(data) < 8:
        return {}
    offset = int.from_bytes(data[4:8], order)
    if offset + 2 > len(data):
        return {}
    count = min(int.from_bytes(data[offset : offset + 2], order), 512)
    tags = {}
    for index in range(count):
        at = offset + 2 + 12 * index
        if at + 12 > len(data):
            break
        tag = int.from_bytes(data[at : at + 2], order)
        kind = int.from_bytes(data[at + 2 : at + 4], order)
        number = int.from_bytes(data[at + 4 : at + 8], order)
        tags[tag] = (kind, number, at + 8, int(little))
    return tags


def _short_value(data: bytes, entry: tuple[int, int, int, int]) -> int:
    kind, _count, at, little = entry
    order = "little" if little else "big"
    width = 2 if kind == 3 else 4
    return int.from_bytes(data[at : at + width], order)


def _ascii(data: bytes, entry: tuple[int, int, int, int] | None) -> str:
    if entry is None:
        return ""
    kind, count, at, little = entry
    if kind != 2 or count > 256:
        return ""
    if count > 4:
        at = int.from_bytes(data[at : at + 4], "little" if little else "big")
    return data[at : at + count].split(b"\x00")[0].decode("ascii", errors="replace").strip()


#: Bytes that tell a video or a RAW file from a still (a TIFF-based RAW's first directory is near the start).
KIND_BYTES = 1 << 16


def not_a_still(data: bytes) -> str | None:
    """"a video" or "a RAW file" when the bytes (the first KIND_BYTES are enough) say so, else None: what
    code outside the scan must not decode with Pillow or write as a turned copy."""
    found = sniff(data[:HEADER_BYTES])
    if found == "TIFF":
        found = refine_tiff(data)
    if found in VIDEO_FORMATS:
        return "a video"
    if found in RAW_FORMATS:
        return "a RAW file"
    return None


def media_kind(file_format: str | None) -> str:
    """'video' or 'photo' (RAW files are photos)."""
    return "video" if file_format in VIDEO_FORMATS else "photo"


def describe_unknown(header: bytes) -> str:
    """A readable reason for a file that is not a photo or video we can read."""
    if not header:
        return "empty file"
    if header.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF (animations are not photos)"
    if header.startswith(b"%PDF"):
        return "a PDF document, not a photo"
    if header[:2] == b"BM":
        return "a BMP image (not supported)"
    if header[4:8] == b"ftyp":
        brand = header[8:12].decode("ascii", errors="replace").strip()
        return f"an ISO media file of a kind that is not a photo or video we read (brand {brand!r})"
    return "not a photo or video (its content is not JPEG, PNG, WebP, TIFF, HEIC, AVIF, RAW or a video)"


def content_hash(data: bytes) -> str:
    """A file's identity, so a moved or renamed photo is recognised: SHA-256 of its bytes, cut to 128 bits.

    SHA-256 rather than BLAKE2b because CPUs with SHA extensions hash a 4 MB camera file in half the time.
    """
    return hashlib.sha256(data).hexdigest()[:32]


#: Files larger than this (videos) are identified by samples rather than hashed whole: a 4 GB video off a
#: USB disk would take a minute to read for its identity alone. digiKam identifies files the same way.
SAMPLED_HASH_FROM = 32 * 1024 * 1024
_SAMPLE = 4 * 1024 * 1024


def sampled_hash(handle: BinaryIO, size: int) -> str:
    """The identity of a large file: SHA-256 of its size and 4 MiB at its start, middle and end.

    Copies and moves keep all of those; an edit of a video rewrites its index (start or end) and its size.
    """
    digest = hashlib.sha256(b"sampled:%d:" % size)
    for offset in (0, max(0, size // 2 - _SAMPLE // 2), max(0, size - _SAMPLE)):
        handle.seek(offset)
        digest.update(handle.read(_SAMPLE))
    return digest.hexdigest()[:32]
