"""torch vs onnxruntime (through the app's Encoder) on real photos (the refused export: tests/trainer/test_onnx.py)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from album_app.models import load_encoder  # noqa: E402
from album_app.preprocess import model_pixels, normalise  # noqa: E402
from trainer.encoder.config import RunConfig  # noqa: E402
from trainer.encoder.data import PhotoSet, folder_photos, load_all  # noqa: E402
from trainer.encoder.export import export_onnx  # noqa: E402
from trainer.encoder.model import build_model  # noqa: E402
from trainer.encoder.train import EncoderTrainer, load_checkpoint  # noqa: E402

torch.set_num_threads(1)
pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_onnx_codes_match_torch_on_real_photos(intel_scenes, tmp_path) -> None:
    config = RunConfig()
    config.data.data = (str(intel_scenes / "forest"), str(intel_scenes / "sea"))
    config.data.limit = 48
    config.train.batch_size = 16
    config.train.max_steps = 2  # a couple of steps so BatchNorm statistics are not the identity
    config.validate()
    EncoderTrainer(config, PhotoSet.load(config.data, threads=1), tmp_path / "run").run()
    meta = export_onnx(tmp_path / "run", tmp_path / "model.onnx")
    assert meta["parity_max_abs_diff"] <= 1e-4

    state = load_checkpoint(tmp_path / "run")
    model = build_model(config)
    model.load_state_dict(state["model"])
    model.eval()
    photos = folder_photos(intel_scenes / "glacier")[:40]  # photos the model never saw
    images, _ = load_all(photos, 128, threads=1)
    encoder, warnings = load_encoder(tmp_path / "model.onnx", threads=1)
    assert warnings == [] and encoder.model_id == meta["model_id"]
    pixels = np.stack([model_pixels(image, encoder.spec) for image in images])
    got = encoder.embed(pixels)
    with torch.no_grad():
        expected = model.encoder(torch.from_numpy(normalise(pixels, encoder.spec))).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
