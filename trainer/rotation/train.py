"""The rotation classifier: train on upright photos turned four ways, export to ONNX.

    python -m trainer.rotation --data DIR [--data DIR ...] --out rotation.onnx [--minutes 4] [--threads 1]
    album-trainer rotation --data DIR [--data DIR ...] --out rotation.onnx [...]   (the same options)

Labels are free: every photo the library shows upright (EXIF orientation applied) is one example of each
of the four turns. A class k input is the upright photo turned k quarter turns counter-clockwise, so k is
also the number of clockwise quarter turns that fix it (album_app/albums/rotation.py).

Photos whose file-name hash puts them in the hold-out (`album_app.models.rotation.is_holdout`, about 1 in
10) are never trained on; the run ends by measuring them (every photo × 4 turns) and by calibrating
``min_confidence``: the lowest probability at which at most MAX_UPRIGHT_FLAGGED of upright held-out photos
would get a (wrong) suggestion. Both go into the model's metadata.

This module holds the network, its data (decoding, augmentation), the training loop, the ONNX export with
its parity check and the calibration, and the command line of both entry points. ``--library LIB`` (a
library's own model, fine-tuned from the bundled one and published only past a hold-out gate) is the job
in trainer/rotation/library.py, which builds on these.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from album_app.exit_codes import EXIT_OK, EXIT_USAGE
from album_app.models.rotation import (
    CONTRACT_KEY,
    CONTRACT_VERSION,
    INPUT_NAME,
    OUTPUT_NAME,
    RotationModel,
    is_holdout,
)
from album_app.preprocess import InputSpec, center_square
from trainer.encoder.data import PhotoRef, folder_photos, load_all
from trainer.encoder.model import conv_block
from trainer.io import atomic_path
from trainer.onnx import export_stamped, torch_compute, write_checked

SIZE = 64  # the encoder's input side: the scan's model pixels can feed both models
CACHE = 80  # decoded centre squares are kept at this side (room for random crops)
MAX_UPRIGHT_FLAGGED = 0.02
WEIGHTS_FORMAT = "album_app.rotation_weights/1"
MIN_TRAIN, MIN_HELDOUT = 8, 4
FRESH_LR = 3e-3  # the bundled model's rate


class RotationNet(nn.Module):
    """(N, 3, 64, 64) → (N, 4) logits. Strided conv stages, then a linear layer over the *whole* 4×4 map:
    where the sky or the floor is matters here, so no global pooling."""

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 128), size: int = SIZE, dropout: float = 0.2) -> None:
        super().__init__()
        stages, cin = [], 3
        for index, width in enumerate(widths):
            stages.append(conv_block(cin, width, 2))
            if index >= 2:
                stages.append(conv_block(width, width, 1))  # depth where the maps are small (cheap)
            cin = width
        self.features = nn.Sequential(*stages)
        side = size // 2 ** len(widths)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin * side * side, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def squares(photos: list[PhotoRef], threads: int) -> tuple[np.ndarray, list[int]]:
    """Decoded, upright centre squares at CACHE px: (N, CACHE, CACHE, 3) uint8, and which photos decoded."""
    images, kept = load_all(photos, CACHE, threads=threads)
    return np.stack(
        [
            np.asarray(center_square(image).resize((CACHE, CACHE), Image.Resampling.BILINEAR), np.uint8)
            for image in images
        ]
    ), kept


def turned(pixels: np.ndarray, turns: np.ndarray) -> np.ndarray:
    """Each HWC image turned ``turns[i]`` quarter turns counter-clockwise (np.rot90's direction)."""
    return np.stack([np.rot90(p, int(k)) for p, k in zip(pixels, turns, strict=True)])


def augment(cache: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random crop (60–100 % of the side), mirror, exposure/contrast jitter, resized to SIZE."""
    out = np.empty((len(cache), SIZE, SIZE, 3), np.uint8)
    for i, pixels in enumerate(cache):
        side = int(rng.integers(int(CACHE * 0.6), CACHE + 1))
        top, left = (int(v) for v in rng.integers(0, CACHE - side + 1, 2))
        window = pixels[top : top + side, left : left + side]
        crop = Image.fromarray(window).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        array = np.asarray(crop, np.float32)
        if rng.random() < 0.5:
            array = array[:, ::-1]
        mean = array.mean()
        array = (array - mean) * rng.uniform(0.75, 1.25) + mean * rng.uniform(0.75, 1.25)
        out[i] = np.clip(array, 0, 255).astype(np.uint8)
    return out


def row_weights(groups: np.ndarray, alpha: float) -> np.ndarray:
    """Sampling probability per row when each group (a --data folder, a library's folder) gets a share of
    the batches proportional to its size ** ``alpha``: 0 = every group equally, 1 = every photo equally."""
    groups = np.asarray(groups)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = counts[inverse].astype(np.float64) ** (alpha - 1.0)
    return weights / weights.sum()


def to_input(pixels: np.ndarray, spec: InputSpec) -> torch.Tensor:
    from album_app.preprocess import normalise

    return torch.from_numpy(normalise(np.ascontiguousarray(pixels), spec))


def centre(cache: np.ndarray) -> np.ndarray:
    """The un-augmented view the app sees: the centre square at SIZE px."""
    return np.stack([np.asarray(Image.fromarray(p).resize((SIZE, SIZE), Image.Resampling.BILINEAR)) for p in cache])


def evaluate(model: nn.Module, pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(N, 4 turns, 4 classes) probabilities for every held-out photo turned every way (mirror-averaged)."""
    model.eval()
    out = np.empty((len(pixels), 4, 4))
    with torch.no_grad():
        for k in range(4):
            views = np.stack([np.rot90(p, k) for p in pixels])
            probs = torch.softmax(model(to_input(views, spec)), 1).numpy()
            mirrored = torch.softmax(model(to_input(views[:, :, ::-1], spec)), 1).numpy()
            out[:, k] = 0.5 * (probs + mirrored[:, [0, 3, 2, 1]])
    return out


def calibrate_min_confidence(probs: np.ndarray) -> float:
    """Lowest probability at which at most MAX_UPRIGHT_FLAGGED of the upright held-out photos would be
    suggested a turn (probs: (N, 4 turns, 4 classes); turn 0 = upright)."""
    upright_probs = probs[:, 0]
    wrong_turn = upright_probs[:, 1:].max(axis=1)  # confidence of the best non-zero answer on upright photos
    flagged = upright_probs.argmax(axis=1) != 0
    candidates = np.sort(wrong_turn[flagged])
    allowed = int(MAX_UPRIGHT_FLAGGED * len(upright_probs))
    if len(candidates) <= allowed:
        return 0.5
    return float(min(0.999, max(0.5, candidates[len(candidates) - allowed - 1] + 1e-6)))


@dataclass
class LoopResult:
    steps: int
    seen: int
    loss: float | None
    train_s: float
    stopped: bool = False


def fit_loop(
    model: nn.Module,
    cache: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
    *,
    seconds: float,
    lr: float,
    batch_size: int = 128,
    freeze_bn: bool = False,
    warmup_steps: int = 0,
    max_steps: int | None = None,
    log: Callable[[dict[str, object]], None] | None = None,
    log_every_s: float = 20.0,
    stop: Callable[[], bool] | None = None,
) -> LoopResult:
    """Train ``model`` for ``seconds`` of wall clock (or ``max_steps``) on random turns of augmented crops of
    ``cache`` (rows drawn with probabilities ``weights``); AdamW with a cosine decay over the time budget.

    ``freeze_bn`` keeps BatchNorm statistics as they are (fine-tuning: a library's batches are small and
    skewed, and weights read back out of an ONNX file carry their BatchNorm folded into the convolutions);
    ``warmup_steps`` ramps the rate up linearly (Adam's first steps move every weight by about the full rate,
    which undoes much of what a trained model knows before the gradients' scale is known)."""
    spec = InputSpec(size=SIZE)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    budget = max(seconds, 1e-6)
    start = time.perf_counter()
    step, seen, last_log, smoothed = 0, 0, start, None
    stopped = False
    while (elapsed := time.perf_counter() - start) < budget and (max_steps is None or step < max_steps):
        if stop is not None and stop():
            stopped = True
            break
        # Cosine decay over the time budget (the number of steps is not known in advance).
        for group in optimiser.param_groups:
            warm = min(1.0, (step + 1) / warmup_steps) if warmup_steps else 1.0
            group["lr"] = warm * lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(elapsed / budget, 1.0))))
        rows = rng.choice(len(cache), batch_size, p=weights)
        labels = rng.integers(0, 4, batch_size)
        inputs = to_input(turned(augment(cache[rows], rng), labels), spec)
        model.train()
        if freeze_bn:
            for module in model.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        loss = loss_fn(model(inputs), torch.from_numpy(labels))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        step += 1
        seen += batch_size
        value = loss.item()
        smoothed = value if smoothed is None else 0.95 * smoothed + 0.05 * value
        if log is not None and time.perf_counter() - last_log >= log_every_s:
            last_log = time.perf_counter()
            log({"step": step, "seen": seen, "loss": round(smoothed, 4), "elapsed_s": round(last_log - start, 1)})
    model.eval()
    return LoopResult(step, seen, smoothed, time.perf_counter() - start, stopped)


def train(
    folders: list[str],
    out: str | os.PathLike[str],
    *,
    minutes: float = 4.0,
    threads: int = 2,
    seed: int = 0,
    batch_size: int = 128,
    lr: float = 3e-3,
    limit: int | None = None,
    log_every_s: float = 20.0,
    balance: bool = True,
    weights_out: str | os.PathLike[str] | None = None,
) -> dict[str, object]:
    """Train for ``minutes`` of wall clock on the non-held-out photos under ``folders``; export to ``out``
    (and the torch weights to ``weights_out``, which `rotation.library.base_weights` looks for beside the
    bundled model)."""
    torch.set_num_threads(max(1, threads))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    begin = time.perf_counter()
    refs, sources = [], []
    for index, folder in enumerate(folders):
        found = folder_photos(folder)
        refs += found
        sources += [index] * len(found)
    if limit is not None and len(refs) > limit:
        picked = sorted(rng.choice(len(refs), limit, replace=False))
        refs, sources = [refs[i] for i in picked], [sources[i] for i in picked]
    held = np.array([is_holdout(r.path) for r in refs], bool)
    train_refs = [r for r, h in zip(refs, held, strict=True) if not h]
    held_refs = [r for r, h in zip(refs, held, strict=True) if h]
    if len(train_refs) < MIN_TRAIN or len(held_refs) < MIN_HELDOUT:
        raise ValueError(f"too few photos: {len(train_refs)} to train on, {len(held_refs)} held out")
    train_cache, kept = squares(train_refs, threads)
    held_cache, _ = squares(held_refs, threads)
    # Each --data folder is drawn equally often: a small folder of another kind of photo (product shots
    # beside 8k landscapes) is otherwise all but ignored (first run: 0.33 accuracy on it, 0.86 on scenes).
    groups = np.asarray(sources)[~held][kept]
    decode_s = time.perf_counter() - begin
    spec = InputSpec(size=SIZE)
    model = RotationNet()

    def log(record: dict[str, object]) -> None:
        print(json.dumps(record), file=sys.stderr, flush=True)

    result = fit_loop(
        model,
        train_cache,
        row_weights(groups, 0.0 if balance else 1.0),
        rng,
        seconds=minutes * 60.0,
        lr=lr,
        batch_size=batch_size,
        log=log,
        log_every_s=log_every_s,
    )
    held_pixels = centre(held_cache)
    probs = evaluate(model, held_pixels, spec)
    truth = np.broadcast_to(np.arange(4), probs.shape[:2])
    accuracy = float(np.mean(probs.argmax(axis=2) == truth))
    min_confidence = calibrate_min_confidence(probs)
    summary = {
        "data": [str(Path(f)) for f in folders],
        "photos": {"train": len(train_cache), "held_out": len(held_cache)},
        "steps": result.steps,
        "examples_seen": result.seen,
        "minutes": round(result.train_s / 60, 2),
        "decode_s": round(decode_s, 1),
        "threads": threads,
        "seed": seed,
        "balanced_folders": balance,
        "held_out_accuracy": round(accuracy, 4),
        "min_confidence": round(min_confidence, 4),
        "torch": torch.__version__,
    }
    model_id = export(model, out, spec, min_confidence, summary, held_pixels[:32])
    if weights_out is not None:
        save_weights(model, weights_out, model_id)
    return summary


def export(
    model: nn.Module,
    out: str | os.PathLike[str],
    spec: InputSpec,
    min_confidence: float,
    summary: dict[str, object],
    parity_pixels: np.ndarray,
    *,
    quiet: bool = False,
) -> str:
    """ONNX (dynamic batch) with the contract in its metadata, written atomically after a parity check and
    the app's own loader (trainer/onnx.py); returns the model id."""
    example = to_input(parity_pixels, spec)
    metadata, _ = write_checked(
        out,
        lambda tmp: export_stamped(
            model.eval(),
            example[:2],
            tmp,
            INPUT_NAME,
            OUTPUT_NAME,
            lambda model_id: {
                CONTRACT_KEY: CONTRACT_VERSION,
                "input_spec": spec.to_json(),
                "model_id": model_id,
                "classes": "clockwise quarter turns 0,1,2,3",
                "min_confidence": repr(min_confidence),
                "training_summary": json.dumps(summary, sort_keys=True),
            },
        ),
        torch_compute(model),
        example.numpy(),
        validate=RotationModel.load,  # the app can read what we wrote
        what="rotation model",
    )
    model_id = metadata["model_id"]
    if not quiet:
        accuracy = summary["held_out_accuracy"]
        print(f"exported {out} (model_id {model_id}, held-out accuracy {accuracy})", file=sys.stderr)
    return model_id


# --- the torch weights (where a library's fine-tune starts) ----------------------------------------


def save_weights(model: nn.Module, path: str | os.PathLike[str], model_id: str) -> Path:
    """The torch weights of the exported model ``model_id`` (what `rotation.library.base_weights` continues from)."""
    with atomic_path(path) as tmp:
        torch.save({"format": WEIGHTS_FORMAT, "model_id": model_id, "state_dict": model.state_dict()}, tmp)
    return Path(path)


def run(args: argparse.Namespace) -> int:
    """Both entry points: ``--library`` is the library job (trainer/rotation/library.py), ``--data`` `train`."""
    if args.library is not None:
        from .library import train_library

        return train_library(
            args.library,
            minutes=10.0 if args.minutes is None else args.minutes,
            threads=args.threads,
            seed=args.seed,
            fresh=args.fresh,
            lr=args.lr,
            batch_size=args.batch_size,
            max_photos=args.max_photos,
            max_steps=args.max_steps,
            min_gain=args.min_gain,
            log_every_s=args.log_every,
        )
    if not args.out:
        print("album-trainer rotation: --data needs --out FILE.onnx", file=sys.stderr)
        return EXIT_USAGE
    summary = train(
        args.data,
        args.out,
        minutes=args.data_minutes if args.minutes is None else args.minutes,
        threads=args.threads,
        seed=args.seed,
        limit=args.limit,
        lr=FRESH_LR if args.lr is None else args.lr,
        batch_size=args.batch_size,
        log_every_s=args.log_every,
        weights_out=args.weights_out,
    )
    print(json.dumps(summary, indent=1))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from trainer.cli import add_rotation_arguments

    parser = argparse.ArgumentParser(prog="python -m trainer.rotation", description=__doc__.split("\n\n")[0])
    add_rotation_arguments(parser, data_minutes=4.0)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
