"""The window's views: album list, photo grid, library map, photo details, drop zone, progress bar."""
