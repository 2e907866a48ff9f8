"""The catalog: SQLite, the single source of truth. The only package that speaks SQL."""

from album_app.catalog.photos import read_photo_paths
from album_app.catalog.store import Catalog, CatalogError

__all__ = ["Catalog", "CatalogError", "read_photo_paths"]
