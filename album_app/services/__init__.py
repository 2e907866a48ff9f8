"""What the CLI and the GUI call: clustering around the catalog, edits, export, stacks, rotations, album opinions.

Each service reads and writes the catalog (album_app.catalog, the only SQL) around the pure album code
(album_app.albums) and the ONNX models (album_app.models).
"""
