"""Per-album autoencoders on encoder codes (`album-trainer albums`): train, calibrate, export one ONNX per album."""
