"""The encoder: model, data, losses, training, export to ONNX, evaluation (config-driven: config.py)."""
