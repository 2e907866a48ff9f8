"""album_app's encoder trainer: photos -> a small conv encoder -> encoder.onnx the app can load.

Importing this package is cheap and torch-free; torch is imported by the modules that need it
(model, losses, train, export), so `evaluate` runs with onnxruntime alone.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
