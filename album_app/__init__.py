"""album_app: turn a messy photo folder into albums, on the user's own machine."""

__version__ = "0.1.0"
