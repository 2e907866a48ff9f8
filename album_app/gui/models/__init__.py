"""Qt item models over a LibrarySnapshot: the sidebar's albums and the grid's photos.

Models hold plain values read off the GUI thread; data() is a list lookup (plus a thumbnail cache
lookup), so views stay fast at 100k photos. Edits requested through a model (rename by setData,
photos dropped on an album) are emitted as signals: the window turns them into core edits.
The grid shows a burst stack (albums.stacks) as one tile that opens in place.
"""

from __future__ import annotations

from album_app.gui.models.album_list import AlbumListModel
from album_app.gui.models.photo_grid import PhotoGridModel
from album_app.gui.models.roles import PHOTO_MIME, Roles, photo_mime, read_photo_mime, turn_text

__all__ = ["PHOTO_MIME", "AlbumListModel", "PhotoGridModel", "Roles", "photo_mime", "read_photo_mime", "turn_text"]
