"""Tests for trainer.research.deep_clustering and the bench/seed_mnist.py pipeline (no shared data needed)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trainer.research.deep_clustering import (  # noqa: E402  (after importorskip on purpose)
    AutoEncoder,
    Jitter,
    PretrainConfig,
    cluster_accuracy,
    cluster_scores,
    pretrain_autoencoder,
    random_affine,
    read_idx,
    soft_assign,
    target_distribution,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    # On a busy 2-core machine OpenMP threads spin-wait on each other: one thread keeps these tests fast.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _write_idx(path: Path, array: np.ndarray, type_code: int, compress: bool) -> None:
    # Written by hand from the format description, independently of the reader under test.
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_mnist", REPO / "bench" / "seed_mnist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- clustering accuracy -------------------------------------------------------------------------------


def test_accuracy_is_one_for_any_relabelling() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 6, size=300)
    for _ in range(5):
        perm = rng.permutation(6)
        assert cluster_accuracy(y, perm[y]) == 1.0


def test_accuracy_counts_errors_after_the_best_matching() -> None:
    y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    # Clusters 7, 3, 5 stand for classes 0, 1, 2; two points are misplaced.
    y_pred = np.array([7, 7, 7, 3, 3, 3, 3, 3, 5, 7])
    assert cluster_accuracy(y_true, y_pred) == pytest.approx(8 / 10)


def test_accuracy_with_more_clusters_than_classes() -> None:
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 2, 3])  # only two clusters can be matched one-to-one
    assert cluster_accuracy(y_true, y_pred) == pytest.approx(0.5)


def test_accuracy_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        cluster_accuracy(np.array([0, 1]), np.array([0]))


def test_scores_for_a_perfect_relabelled_clustering() -> None:
    y = np.repeat(np.arange(4), 5)
    scores = cluster_scores(y, (y + 1) % 4)
    assert scores == pytest.approx({"nmi": 1.0, "acc": 1.0, "ari": 1.0})


# --- idx parser ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trips_images(tmp_path: Path, compress: bool) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / ("images.idx.gz" if compress else "images.idx")
    _write_idx(path, images, 0x08, compress)
    got = read_idx(path)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, images)


def test_read_idx_big_endian_ints(tmp_path: Path) -> None:
    values = np.array([1, -2, 70000], dtype=">i4")
    path = tmp_path / "ints.idx"
    _write_idx(path, values, 0x0C, compress=False)
    got = read_idx(path)
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, [1, -2, 70000])


def test_read_idx_rejects_bad_files(tmp_path: Path) -> None:
    bad_magic = tmp_path / "bad"
    bad_magic.write_bytes(b"\x01\x00\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad_magic)
    truncated = tmp_path / "short"
    truncated.write_bytes(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 5) + b"\x01\x02")
    with pytest.raises(ValueError, match="payload"):
        read_idx(truncated)


@pytest.mark.shared_data
def test_read_idx_on_the_shared_mnist_files() -> None:
    bench = _load_bench()
    if not (bench.DEFAULT_IMAGES.is_file() and bench.DEFAULT_LABELS.is_file()):
        pytest.skip(f"MNIST absent: {bench.DEFAULT_IMAGES.parent} (no shared data folder beside the repo)")
    images, labels = read_idx(bench.DEFAULT_IMAGES), read_idx(bench.DEFAULT_LABELS)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))


# --- model pieces ----------------------------------------------------------------------------------------


def test_autoencoder_has_dec_architecture() -> None:
    model = AutoEncoder(784)
    enc = [m for m in model.encoder if isinstance(m, torch.nn.Linear)]
    dec = [m for m in model.decoder if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in enc] == [(784, 500), (500, 500), (500, 2000), (2000, 10)]
    assert [(m.in_features, m.out_features) for m in dec] == [(10, 2000), (2000, 500), (500, 500), (500, 784)]
    # The code and the reconstruction are linear: no activation after the last layer of either half.
    assert isinstance(model.encoder[-1], torch.nn.Linear) and isinstance(model.decoder[-1], torch.nn.Linear)
    z, recon = model(torch.zeros(5, 784))
    assert z.shape == (5, 10) and recon.shape == (5, 784)


def test_soft_assignments_are_distributions_favouring_the_nearest_centre() -> None:
    gen = torch.Generator().manual_seed(0)
    z, centers = torch.randn(50, 10, generator=gen), torch.randn(4, 10, generator=gen)
    q = soft_assign(z, centers)
    assert q.shape == (50, 4)
    torch.testing.assert_close(q.sum(dim=1), torch.ones(50))
    assert torch.equal(q.argmax(dim=1), torch.cdist(z, centers).argmin(dim=1))


def test_target_distribution_matches_hand_computation() -> None:
    q = torch.tensor([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    # Column sums f = (1.6, 1.4); p_ij is proportional to q_ij^2 / f_j, then each row renormalised.
    raw = torch.tensor([[0.25 / 1.6, 0.25 / 1.4], [0.81 / 1.6, 0.01 / 1.4], [0.04 / 1.6, 0.64 / 1.4]])
    expected = raw / raw.sum(dim=1, keepdim=True)
    torch.testing.assert_close(target_distribution(q), expected)
    # Confident rows get more confident; the tie leans to the less populated cluster.
    p = target_distribution(q)
    assert p[1, 0] > 0.9 and p[2, 1] > 0.8 and p[0, 1] > 0.5


def test_random_affine_keeps_shape_and_range() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(8, 28 * 28, generator=gen)
    out = random_affine(x, (28, 28), gen)
    assert out.shape == x.shape
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_pretraining_is_deterministic_and_lowers_the_loss() -> None:
    x = np.random.default_rng(0).random((128, 64), dtype=np.float32)
    config = PretrainConfig(epochs=3, batch_size=32, jitter=Jitter())
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = AutoEncoder(64, hidden=(32, 8))
        losses = pretrain_autoencoder(model, x, config, seed=0, image_shape=(8, 8))
        runs.append((losses, model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for name, value in runs[0][1].items():
        torch.testing.assert_close(value, runs[1][1][name], rtol=0, atol=0)
    assert runs[0][0][-1] < runs[0][0][0]


# --- the bench pipeline end to end on sklearn's 8x8 digits ----------------------------------------------


def test_bench_pipeline_on_small_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    n = 1000
    images = np.round(digits.images[:n] * (255 / 16)).astype(np.uint8)  # 0..16 -> 0..255, as MNIST bytes
    _write_idx(tmp_path / "img.gz", images, 0x08, compress=True)
    _write_idx(tmp_path / "lab.gz", digits.target[:n].astype(np.uint8), 0x08, compress=True)

    bench = _load_bench()
    argv = ["--images", str(tmp_path / "img.gz"), "--labels", str(tmp_path / "lab.gz")]
    # A narrower autoencoder, MSE and no jitter: on 8x8 digits that learns in a few seconds of one core.
    quick = ["--hidden", "128,128,256,10", "--loss", "mse", "--no-augment", "--batch-size", "32"]
    code = bench.main([*argv, *quick, "--epochs", "15", "--refine-epochs", "5", "--threads", "1", "--json"])
    assert code == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"raw", "pca", "autoencoder", "refined", "seconds"}
    for row in ("raw", "pca", "autoencoder", "refined"):
        assert set(results[row]) >= {"nmi", "acc"}
        assert 0.0 <= results[row]["nmi"] <= 1.0 and 0.0 <= results[row]["acc"] <= 1.0
    # KMeans on these digits reaches NMI ~0.7; a few epochs of the autoencoder must already be far above
    # chance (~0.02 for 10 random clusters) and refinement must not wreck it.
    assert results["raw"]["nmi"] > 0.6
    assert results["autoencoder"]["nmi"] > 0.4
    assert results["refined"]["nmi"] > 0.4
    assert results["seconds"] > 0


def test_bench_exits_2_when_data_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load_bench()
    code = bench.main(["--images", str(tmp_path / "none.gz"), "--labels", str(tmp_path / "none2.gz")])
    assert code == 2
    assert "not found" in capsys.readouterr().err


def test_bench_table_lists_every_row() -> None:
    bench = _load_bench()
    scores = {"nmi": 0.5, "acc": 0.25, "ari": 0.125}
    table = bench.format_table({**dict.fromkeys(bench.ROWS, scores), "seconds": 9})
    assert len(table.splitlines()) == 6
    assert "IDEC" in table and "0.500" in table and "0.125" in table
