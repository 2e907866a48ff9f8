"""File names that are not valid UTF-8 (Latin-1 names from old USB sticks and zip files).

Python hands such a name over with each undecodable byte as a lone surrogate (PEP 383), which opens the
file fine but cannot be written as UTF-8: not to SQLite, not to a terminal, not to JSON. The catalog keeps
the exact bytes (see catalog.photos.db_path); people are shown :func:`readable_path`.
"""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\udc80-\udcff]")


def is_utf8(path: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (lone surrogates from os.fsdecode)."""
    return _LONE_SURROGATE.search(path) is None


def readable_path(path: str) -> str:
    """The name as a person would read it: each byte that is not UTF-8 read as Windows-1252 (Latin-1),
    the encoding such names nearly always come from (b'Caf\\xe9.jpg' -> 'Café.jpg')."""
    if is_utf8(path):
        return path
    return _LONE_SURROGATE.sub(lambda match: _cp1252(ord(match.group()) - 0xDC00), path)


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # five bytes are undefined in Windows-1252
        return bytes([byte]).decode("latin-1")


def escape_surrogates(text: str) -> str:
    """JSON text with lone surrogates written as \\udcXX escapes: valid UTF-8 output, and Python's json
    reads the exact name back."""
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
