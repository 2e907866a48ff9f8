"""Photo -> code with the ONNX encoder (onnxruntime only; no torch in the app).

encoder, warnings = load_encoder(user_model_or_None)
codes = encoder.embed(pixels)  # uint8 NHWC from preprocess.model_pixels -> float32 (N, code_size)
"""

from __future__ import annotations

from .encoder import Encoder
from .model import ModelContract, ModelError, default_model_path, load_encoder, read_contract

__all__ = ["Encoder", "ModelContract", "ModelError", "default_model_path", "load_encoder", "read_contract"]
