"""Where a library lives: its catalog file and the folders beside it (thumbnails, models, logs)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CATALOG_NAME = "catalog.db"
CATALOG_SUFFIXES = (".db", ".sqlite", ".sqlite3")
ENV_VAR = "ALBUM_APP_LIBRARY"


@dataclass(frozen=True)
class LibraryPaths:
    """The files of one library. ``root`` holds the catalog and its caches."""

    root: Path
    catalog: Path

    @property
    def thumbnails(self) -> Path:
        return self.root / "thumbnails"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def lock(self) -> Path:
        return self.root / "writer.lock"


def default_library_dir() -> Path:
    """The platform's per-user data folder (e.g. ~/.local/share/album_app on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("album_app", appauthor=False))


def resolve_library(explicit: str | os.PathLike[str] | None = None) -> LibraryPaths:
    """``--library PATH``, else $ALBUM_APP_LIBRARY, else the user data folder.

    PATH may name the library folder or the catalog file inside it (anything ending in .db,
    .sqlite or .sqlite3, or an existing file), since people and scripts say both.
    """
    chosen = explicit if explicit not in (None, "") else os.environ.get(ENV_VAR) or None
    path = Path(chosen).expanduser() if chosen else default_library_dir()
    path = path.absolute()
    if path.suffix.lower() in CATALOG_SUFFIXES or path.is_file():
        return LibraryPaths(root=path.parent, catalog=path)
    return LibraryPaths(root=path, catalog=path / CATALOG_NAME)
