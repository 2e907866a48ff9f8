"""The app's ONNX models (onnxruntime only; no torch in the app): the encoder, the rotation suggester,
the per-album autoencoders, and which encoder a library uses.

encoder, warnings = load_encoder(user_model_or_None)
codes = encoder.embed(pixels)  # uint8 NHWC from preprocess.model_pixels -> float32 (N, code_size)
"""

from __future__ import annotations

from .encoder import Encoder, ModelContract, ModelError, default_model_path, load_encoder, read_contract

__all__ = ["Encoder", "ModelContract", "ModelError", "default_model_path", "load_encoder", "read_contract"]
