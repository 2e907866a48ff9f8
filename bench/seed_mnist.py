"""The digit-clustering result the product starts from, measured in one run on the MNIST 10k test set.

Four rows, each scored by NMI, Hungarian accuracy and ARI against the true digits:

* ``raw``          KMeans (k=10) on the raw pixels scaled to [0, 1];
* ``pca``          PCA to 50 dimensions, then KMeans;
* ``autoencoder``  KMeans on the 10-d codes of a d-500-500-2000-10 autoencoder trained end to end
                   (Adam, cosine schedule, batch 256, small random affine jitter of the inputs);
* ``refined``      IDEC: the encoder and the KMeans centres fine-tuned with DEC's KL loss plus the
                   reconstruction loss, starting from the ``autoencoder`` row.

Usage::

    .venv/bin/python bench/seed_mnist.py [--seed 0] [--epochs 150 | --minutes 9] [--threads 1] [--json]

Progress goes to stderr; the table (or ``--json``) to stdout. Exit code 2 when the idx files are missing.
One thread by default: on a 2-core machine shared with other work, two OpenMP threads ran an epoch 5-8x
slower than one (they spin-wait for the busy core); pass ``--threads 2`` on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing; trainer/ is imported lazily in run()

DATA_DIR = ROOT.parent / "shared" / "data" / "mnist"
DEFAULT_IMAGES = DATA_DIR / "t10k-images-idx3-ubyte.gz"
DEFAULT_LABELS = DATA_DIR / "t10k-labels-idx1-ubyte.gz"
ROWS = ("raw", "pca", "autoencoder", "refined")
#: Pretraining epochs when neither --epochs nor --minutes is given: 150 reached KMeans NMI 0.83 on the codes,
#: 100 only 0.80 (seed 0); about 9 min of one core.
DEFAULT_EPOCHS = 150


def _log(message: str) -> None:
    print(f"[seed_mnist] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES, help="idx3 images (gzip or plain)")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="idx1 labels (gzip or plain)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="autoencoder pretraining epochs")
    parser.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="wall-clock budget for pretraining (the learning-rate schedule follows it)",
    )
    parser.add_argument("--refine-epochs", type=int, default=None, help="IDEC epochs at most")
    parser.add_argument("--refine-minutes", type=float, default=None, help="wall-clock cap for IDEC")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--no-augment", action="store_true", help="train on the images as they are")
    parser.add_argument("--loss", choices=("bce", "mse"), default="bce", help="reconstruction loss")
    parser.add_argument(
        "--hidden",
        default=None,
        help="widths after the input, comma-separated (default 500,500,2000,10; smaller for quick checks)",
    )
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images (quick runs)")
    parser.add_argument("--clusters", type=int, default=None, help="k (default: number of distinct labels)")
    parser.add_argument("--threads", type=int, default=1, help="threads for torch and for sklearn/BLAS")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    if args.epochs is None and args.minutes is None:
        args.epochs = DEFAULT_EPOCHS
    return args


def run(args: argparse.Namespace) -> dict[str, object]:
    """Compute every row; returns the JSON-able result dict."""
    # Imported here so --help and the missing-file check stay fast.
    import torch
    from sklearn.decomposition import PCA

    from trainer.research.deep_clustering import (
        DEC_HIDDEN,
        AutoEncoder,
        Jitter,
        PretrainConfig,
        RefineConfig,
        cluster_scores,
        encode,
        kmeans_labels,
        pretrain_autoencoder,
        read_idx,
        refine_idec,
    )

    start, cpu_start = time.perf_counter(), time.process_time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the weight initialisation; data order and jitter use their own generators

    images = read_idx(args.images)
    labels = read_idx(args.labels).astype(np.int64).ravel()
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(f"expected (n, h, w) images and as many labels, got {images.shape}, {labels.shape}")
    if args.limit is not None:
        images, labels = images[: args.limit], labels[: args.limit]
    image_shape = (int(images.shape[1]), int(images.shape[2]))
    # Scale by the dtype's range (255 for MNIST bytes) so every pixel lies in [0, 1].
    scale = float(np.iinfo(images.dtype).max) if images.dtype.kind in "ui" else float(images.max() or 1.0)
    x = images.reshape(len(images), -1).astype(np.float32) / scale
    k = args.clusters or int(np.unique(labels).size)
    _log(f"{len(x)} images {image_shape}, k={k}, seed {args.seed}, torch threads {torch.get_num_threads()}")

    results: dict[str, object] = {}

    t = time.perf_counter()
    pred, _ = kmeans_labels(x, k, args.seed)
    results["raw"] = cluster_scores(labels, pred)
    _log(f"raw pixels: {results['raw']} ({time.perf_counter() - t:.0f} s)")

    t = time.perf_counter()
    n_components = min(50, x.shape[1], len(x))
    x_pca = PCA(n_components=n_components, random_state=args.seed).fit_transform(x)
    pred, _ = kmeans_labels(x_pca, k, args.seed)
    results["pca"] = cluster_scores(labels, pred)
    _log(f"PCA-{n_components}: {results['pca']} ({time.perf_counter() - t:.0f} s)")

    t = time.perf_counter()
    hidden = DEC_HIDDEN if args.hidden is None else tuple(int(w) for w in args.hidden.split(","))
    model = AutoEncoder(x.shape[1], hidden=hidden)
    jitter = None if args.no_augment else Jitter()
    pre_cfg = PretrainConfig(batch_size=args.batch_size, jitter=jitter, recon_loss=args.loss)
    if args.minutes is not None:
        # A time budget alone: allow many epochs, let the clock end training and drive the schedule.
        pre_cfg = replace(pre_cfg, epochs=args.epochs or 10_000, max_seconds=args.minutes * 60)
    else:
        pre_cfg = replace(pre_cfg, epochs=args.epochs)
    pretrain_autoencoder(model, x, pre_cfg, args.seed, image_shape, progress=_log)
    codes = encode(model, x)
    pred, centers = kmeans_labels(codes, k, args.seed)
    results["autoencoder"] = cluster_scores(labels, pred)
    _log(f"autoencoder + KMeans: {results['autoencoder']} ({time.perf_counter() - t:.0f} s)")

    t = time.perf_counter()
    # The clustering phase keeps the pretraining's loss and jitter (IDEC's point: keep the decoder honest).
    ref_cfg = RefineConfig(batch_size=args.batch_size, jitter=jitter, recon_loss=args.loss)
    if args.refine_epochs is not None:
        ref_cfg = replace(ref_cfg, max_epochs=args.refine_epochs)
    if args.refine_minutes is not None:
        ref_cfg = replace(ref_cfg, max_seconds=args.refine_minutes * 60)
    pred = refine_idec(model, x, centers, ref_cfg, args.seed, image_shape, progress=_log)
    results["refined"] = cluster_scores(labels, pred)
    _log(f"IDEC refined: {results['refined']} ({time.perf_counter() - t:.0f} s)")

    results["seconds"] = round(time.perf_counter() - start, 1)
    # CPU time beside wall time: on a shared machine the wall clock also measures the neighbours.
    _log(f"done: {results['seconds']:.0f} s wall, {time.process_time() - cpu_start:.0f} s CPU")
    return results


def format_table(results: dict[str, object]) -> str:
    names = {
        "raw": "KMeans on raw pixels",
        "pca": "PCA-50 + KMeans",
        "autoencoder": "Autoencoder + KMeans",
        "refined": "IDEC refinement",
    }
    lines = [f"{'method':<24} {'NMI':>6} {'ACC':>6} {'ARI':>6}"]
    for row in ROWS:
        scores = results[row]
        assert isinstance(scores, dict)
        lines.append(f"{names[row]:<24} {scores['nmi']:>6.3f} {scores['acc']:>6.3f} {scores['ari']:>6.3f}")
    lines.append(f"wall time: {results['seconds']:.0f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [str(p) for p in (args.images, args.labels) if not p.is_file()]
    if missing:
        print(f"seed_mnist: data not found: {', '.join(missing)} (pass --images/--labels)", file=sys.stderr)
        return 2
    from threadpoolctl import threadpool_limits

    # OpenMP's spinning threads collapse when another process holds a core (KMeans on 1000 points: 14 s with
    # 2 threads vs 0.3 s with 1 on a loaded 2-core machine), so --threads caps sklearn's pools too.
    with threadpool_limits(limits=args.threads):
        results = run(args)
    print(json.dumps(results) if args.json else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
