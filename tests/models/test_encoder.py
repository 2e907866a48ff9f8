"""album_app.models: contract reading, refusals with human messages, fallback, batched embedding.

Models are built here with onnx.helper (no torch): GlobalAveragePool -> Flatten -> MatMul.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album_app.models import Encoder, ModelError, default_model_path, load_encoder, read_contract
from album_app.models import encoder as embed_model
from album_app.preprocess import InputSpec, model_pixels

pytest.importorskip("onnx")
from onnx_models import contract, make_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_model(tmp_path / "tiny.onnx")


def test_read_contract_of_a_valid_model(tiny: Path) -> None:
    found = read_contract(tiny)
    assert found.model_id == "0123456789abcdef"
    assert found.spec == InputSpec(size=16)
    assert found.code_size == 5
    assert found.summary == {"steps": 3}
    assert found.path == tiny


def test_encoder_embeds_uint8_pixels_in_batches(tiny: Path) -> None:
    encoder, warnings = load_encoder(tiny, threads=1)
    assert warnings == []
    assert isinstance(encoder, Encoder)
    assert (encoder.model_id, encoder.code_size, encoder.spec.size, encoder.path) == (
        "0123456789abcdef",
        5,
        16,
        tiny,
    )
    pixels = np.random.default_rng(0).integers(0, 256, (150, 16, 16, 3), dtype=np.uint8)
    codes = encoder.embed(pixels)
    assert codes.shape == (150, 5) and codes.dtype == np.float32
    # Batching (64 per run) must not change a row's code.
    np.testing.assert_allclose(codes[100:103], encoder.embed(pixels[100:103]), atol=1e-6)
    # GAP -> MatMul: check one code by hand against the normalise contract.
    mean_rgb = ((pixels[0].reshape(-1, 3).astype(np.float64) / 255 - 0.5) / 0.25).mean(axis=0)
    np.testing.assert_allclose(codes[0], mean_rgb @ (np.arange(15).reshape(3, 5) / 10), rtol=1e-4, atol=1e-4)
    assert encoder.embed(pixels[:0]).shape == (0, 5)


def test_embed_images_matches_embed_of_model_pixels(tiny: Path) -> None:
    encoder, _ = load_encoder(tiny, threads=1)
    images = [Image.new("RGB", (40, 30), (200, 10, 10)), Image.new("L", (20, 50), 90)]
    pixels = np.stack([model_pixels(image, encoder.spec) for image in images])
    np.testing.assert_array_equal(encoder.embed_images(images), encoder.embed(pixels))
    assert encoder.embed_images([]).shape == (0, 5)


def test_embed_refuses_wrong_pixels(tiny: Path) -> None:
    encoder, _ = load_encoder(tiny, threads=1)
    with pytest.raises(ValueError, match="expected uint8 pixels"):
        encoder.embed(np.zeros((2, 32, 32, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="expected uint8 pixels"):
        encoder.embed(np.zeros((2, 16, 16, 3), dtype=np.float32))


def test_fixed_batch_model_is_fed_padded_batches(tmp_path: Path) -> None:
    path = make_model(tmp_path / "fixed.onnx", batch=4)
    encoder, _ = load_encoder(path, threads=1)
    pixels = np.random.default_rng(1).integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)
    codes = encoder.embed(pixels)
    assert codes.shape == (6, 5)
    np.testing.assert_allclose(codes[5], encoder.embed(pixels[5:6])[0], atol=1e-6)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p, "not found"),
        (lambda p: (p.write_bytes(b"\x00garbage, not protobuf" * 50), p)[1], "not a readable ONNX model"),
        (lambda p: make_model(p, metadata={}), "no album_app contract"),
        (lambda p: make_model(p, metadata={**contract(), "album_app.contract": "2"}), "contract version '2'"),
        (
            lambda p: make_model(p, metadata={k: v for k, v in contract().items() if k != "model_id"}),
            "model_id",
        ),
        (
            lambda p: make_model(p, metadata={**contract(), "input_spec": "{not json"}),
            "unreadable input_spec",
        ),
        (lambda p: make_model(p, metadata=contract(layout="NHWC")), "layout='NHWC'"),
        (lambda p: make_model(p, metadata={**contract(), "code_size": "many"}), "invalid code_size"),
        (lambda p: make_model(p, graph_size=32), "input is tensor"),
        (lambda p: make_model(p, graph_code=7), "output is"),
    ],
    ids=[
        "missing",
        "corrupt",
        "no-metadata",
        "version",
        "no-id",
        "bad-spec-json",
        "layout",
        "code-size",
        "in",
        "out",
    ],
)
def test_unusable_models_raise_model_error_and_fall_back(tmp_path: Path, build, message: str) -> None:
    path = build(tmp_path / "model.onnx")
    with pytest.raises(ModelError, match=message):
        read_contract(path)
    bundled = default_model_path()
    if not bundled.is_file():
        pytest.skip(f"no bundled model at {bundled} to fall back to")
    encoder, warnings = load_encoder(path, threads=1)
    assert encoder.path == bundled
    assert len(warnings) == 1
    assert message.split("'")[0] in warnings[0] and "bundled encoder" in warnings[0]


def test_broken_bundled_model_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed_model, "default_model_path", lambda: tmp_path / "gone.onnx")
    with pytest.raises(ModelError, match="bundled encoder is unusable"):
        load_encoder(tmp_path / "also-gone.onnx")


def test_bundled_model_honours_the_contract() -> None:
    bundled = default_model_path()
    if not bundled.is_file():
        pytest.skip(f"no bundled model at {bundled}")
    found = read_contract(bundled)
    assert len(found.model_id) == 16 and int(found.model_id, 16) >= 0
    assert found.spec.problems() == []
    assert bundled.stat().st_size < 10_000_000
    assert found.summary.get("steps", 0) > 0
    encoder, warnings = load_encoder(None, threads=1)
    assert warnings == []
    codes = encoder.embed(np.full((3, found.spec.size, found.spec.size, 3), 128, dtype=np.uint8))
    assert codes.shape == (3, found.code_size) and np.isfinite(codes).all()


def test_embed_imports_no_torch() -> None:
    code = "import sys, album_app.models; sys.exit(1 if 'torch' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
