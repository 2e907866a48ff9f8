"""Folders -> files -> metadata, pixels and codes: the scan pipeline."""
