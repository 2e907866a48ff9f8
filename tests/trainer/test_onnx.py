"""trainer/onnx.py on a model of its own: the parity check refuses a file that disagrees with torch (and writes
nothing), weights read back out of an export reproduce it, and a file that does not fit is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from trainer.io import atomic_path  # noqa: E402
from trainer.onnx import ExportError, export_stamped, torch_compute, weights_from_onnx, write_checked  # noqa: E402

torch.set_num_threads(1)


class Tiny(nn.Module):
    """Conv + BatchNorm (which the exporter folds) + a linear head: the shape of every trainer model."""

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width))
        self.head = nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.features(x)).mean(dim=(2, 3)))


def trained_tiny(seed: int = 0) -> Tiny:
    torch.manual_seed(seed)
    model = Tiny()
    with torch.no_grad():  # BatchNorm statistics that are not the identity, so that folding them matters
        model.features[1].running_mean.uniform_(-0.5, 0.5)
        model.features[1].running_var.uniform_(0.5, 2.0)
        model.features[1].weight.uniform_(0.5, 1.5)
    return model.eval()


def export(model: nn.Module, out: Path, inputs: np.ndarray, compute=None) -> tuple[dict, float]:
    return write_checked(
        out,
        lambda tmp: export_stamped(model, torch.from_numpy(inputs[:2]), tmp, "x", "y", lambda i: {"model_id": i}),
        compute or torch_compute(model),
        inputs,
        what="tiny",
    )


@pytest.fixture(scope="module")
def inputs() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(6, 3, 8, 8)).astype(np.float32)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, inputs: np.ndarray) -> tuple[Path, Tiny, dict, float]:
    model = trained_tiny()
    out = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    metadata, difference = export(model, out, inputs)
    return out, model, metadata, difference


def test_an_export_that_reproduces_torch_is_written_with_its_id(exported) -> None:
    out, _, metadata, difference = exported
    assert out.is_file() and difference <= 1e-4 and len(metadata["model_id"]) == 16
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.onnx"]  # nothing left beside it


def test_an_export_that_disagrees_with_torch_is_refused_and_nothing_is_written(tmp_path: Path, inputs) -> None:
    model = trained_tiny()
    skewed = torch_compute(trained_tiny())

    def off_by_a_little(x: np.ndarray) -> np.ndarray:  # what a mis-converted graph would look like
        return skewed(x) + 1e-3

    with pytest.raises(ExportError, match="disagree"):
        export(model, tmp_path / "tiny.onnx", inputs, compute=off_by_a_little)
    assert list(tmp_path.iterdir()) == []


def test_a_refused_export_keeps_the_file_it_would_have_replaced(tmp_path: Path, inputs) -> None:
    out = tmp_path / "tiny.onnx"
    out.write_bytes(b"the model in use")
    with pytest.raises(ExportError):
        export(trained_tiny(), out, inputs, compute=lambda x: np.zeros((len(x), 3), np.float32))  # wrong shape
    assert out.read_bytes() == b"the model in use" and sorted(tmp_path.iterdir()) == [out]


def test_weights_read_back_out_of_an_export_reproduce_it(exported, inputs) -> None:
    out, model, _, _ = exported
    fresh = Tiny()
    difference = weights_from_onnx(out, fresh, inputs)
    assert difference < 1e-4
    bn = fresh.features[1]  # folded into the convolution: identity statistics, the folded bias
    assert torch.allclose(bn.running_mean, torch.zeros(4)) and torch.allclose(bn.weight, torch.ones(4))
    np.testing.assert_allclose(torch_compute(fresh)(inputs), torch_compute(model)(inputs), atol=1e-4)


def test_weights_that_do_not_fit_are_refused_and_the_module_is_left_alone(exported, inputs) -> None:
    out, _, _, _ = exported
    wider = Tiny(width=5)
    before = {k: v.clone() for k, v in wider.state_dict().items()}
    with pytest.raises(ValueError, match="the model wants"):
        weights_from_onnx(out, wider, inputs)
    assert all(torch.equal(before[k], v) for k, v in wider.state_dict().items())
    with pytest.raises(ValueError, match="no weights for"):
        weights_from_onnx(out, nn.Sequential(nn.Linear(3, 2)), inputs)


def test_atomic_path_replaces_only_when_the_block_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and sorted(tmp_path.iterdir()) == [target]


def test_a_gem_encoder_is_read_back_with_its_learnt_exponent(tmp_path: Path, inputs) -> None:
    """GeM's p must survive the export under its own name (a clamp in forward would fold it into a constant),
    or a fit on a fresh install could not start from the default encoder."""
    from trainer.encoder.config import ModelConfig
    from trainer.encoder.model import Encoder

    config = ModelConfig(pool="gem", widths=(4, 8), extra_convs=(0, 1), code_size=6)
    torch.manual_seed(0)
    model = Encoder(config).eval()
    with torch.no_grad():
        model.pool.p.fill_(2.5)
        for norm in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):  # as if trained (see trained_tiny)
            norm.running_mean.uniform_(-0.5, 0.5)
            norm.running_var.uniform_(0.5, 2.0)
            norm.bias.uniform_(-0.2, 0.2)
    out = tmp_path / "gem.onnx"
    export(model, out, inputs)
    fresh = Encoder(config)
    assert weights_from_onnx(out, fresh, inputs) < 1e-4
    assert float(fresh.pool.p) == pytest.approx(2.5)
