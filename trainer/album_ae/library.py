"""Per-album autoencoders on encoder codes: train, calibrate on held-out members, export one ONNX per album.

    album-trainer albums --library LIBRARY [--all]     (see `fit_library`)

Each accepted album gets a tiny MLP autoencoder ``D → hidden → bottleneck → hidden → D`` on its members'
codes (centred by the library's mean code and put on the unit sphere, as the albums code compares them).
Cheap: a few hundred full-batch Adam steps on at most a few thousand rows, well under a second per album.

Calibration, on held-out members (K-fold: each member's error comes from a model that never saw it):
  * ``loc`` / ``temperature``: median and spread (MAD, shrunk towards a prior for small albums) of the
    held-out log errors (informational, and the optional ``normalise`` scoring in album_models.py);
  * ``threshold``: the album's own ``exp(loc + z_q · temperature)`` (``z_q``: the normal quantile of
    ``threshold_quantile``; parametric, because an album of 6 photos has no empirical 90th percentile),
    shrunk in log space towards the same quantile of all albums' pooled held-out errors with a weight of
    ``pool_weight`` members: small albums lean on the library, big ones on themselves;
  * the ensemble's ``sharpness`` (index.json): the softmax temperature that maximises the likelihood of
    held-out members' own albums, refitted whenever a model changes.

A model is retrained only when its *fingerprint* (code model id + sorted member ids + settings) changes:
adding photos to one album retrains that album alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from album_app.models.album_ae import (
    CONTRACT_KEY,
    CONTRACT_VERSION,
    INDEX_NAME,
    INPUT_NAME,
    OUTPUT_NAME,
    AlbumModelError,
    AlbumModels,
    album_models_dir,
    model_path,
    read_album_model_info,
)
from trainer.io import atomic_path
from trainer.onnx import stamp, write_checked

OPSET = 17
#: Held-out member errors kept in a model's metadata for the ensemble calibration (a seeded sample).
MAX_HELDOUT_IN_METADATA = 256


@dataclass(frozen=True)
class AlbumAEConfig:
    hidden: int = 32
    bottleneck: int = 8
    steps: int = 300
    batch_size: int = 256
    lr: float = 5e-3
    weight_decay: float = 1e-4
    noise: float = 0.3  # denoising: Gaussian noise of this norm (expected) added to each unit-length input
    folds: int = 5  # held-out errors by K-fold (leave-one-out below K members)
    threshold_quantile: float = 0.9  # 0.95 let in most unrelated photos (bench seeds 0-1, as for place.py)
    pool_weight: float = 10.0  # the pooled threshold counts as this many members of the album
    min_members: int = 3  # fewer photos than this teach a model nothing: no model
    prior_scale: float = 0.5  # log-error spread assumed before seeing members...
    prior_weight: float = 5.0  # ...worth this many members (small albums lean on it)
    min_scale: float = 0.05
    seed: int = 0

    def key(self) -> str:
        """The settings that change a trained model (part of the fingerprint)."""
        return json.dumps(asdict(self), sort_keys=True)


def fingerprint(member_ids: Sequence[int], code_model_id: str, config: AlbumAEConfig = AlbumAEConfig()) -> str:
    """Names what a model was trained on: same members, encoder and settings → same fingerprint."""
    digest = hashlib.sha256()
    digest.update(code_model_id.encode())
    digest.update(config.key().encode())
    digest.update(np.asarray(sorted(int(m) for m in member_ids), dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def unit_codes(codes: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """What the models see: codes minus the library mean, scaled to unit length (numpy twin of CodeAE.inputs)."""
    x = np.asarray(codes, np.float32) - np.asarray(mean, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class CodeAE(nn.Module):
    """Raw codes in, squared reconstruction error (in the unit-sphere space) out: what the ONNX file computes."""

    def __init__(self, dim: int, hidden: int, bottleneck: int, mean: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, np.float32)).reshape(dim))
        # Linear bottleneck, tanh elsewhere: smooth, bounded, and trivially expressed in ONNX.
        self.encoder = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, hidden), nn.Tanh(), nn.Linear(hidden, dim))

    def inputs(self, codes: torch.Tensor) -> torch.Tensor:
        x = codes - self.mean
        return x / torch.sqrt((x * x).sum(dim=1, keepdim=True)).clamp_min(1e-12)

    def reconstruct(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(z))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        z = self.inputs(codes)
        return ((self.reconstruct(z) - z) ** 2).sum(dim=1)


class _Stack(nn.Module):
    """``M`` independent CodeAE bodies trained in one go (batched matmuls): an album's K fold models and its
    final model cost one training loop instead of K + 1 (each step of a tiny MLP is mostly overhead)."""

    def __init__(self, models: int, dim: int, hidden: int, bottleneck: int) -> None:
        super().__init__()
        self.shapes = [(dim, hidden), (hidden, bottleneck), (bottleneck, hidden), (hidden, dim)]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in self.shapes:
            bound = 1.0 / np.sqrt(fan_in)  # nn.Linear's default initialisation
            self.weights.append(nn.Parameter(torch.empty(models, fan_in, fan_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(models, 1, fan_out).uniform_(-bound, bound)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (M, B, D) -> (M, B, D)
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(bias, x, weight)
            if index in (0, 2):  # tanh after the hidden layers; the bottleneck and the output are linear
                x = torch.tanh(x)
        return x

    def extract(self, index: int, mean: np.ndarray) -> CodeAE:
        dim, hidden = self.shapes[0]
        model = CodeAE(dim, hidden, self.shapes[1][1], mean)
        linears = [layer for layer in (*model.encoder, *model.decoder) if isinstance(layer, nn.Linear)]
        with torch.no_grad():
            for layer, weight, bias in zip(linears, self.weights, self.biases, strict=True):
                layer.weight.copy_(weight[index].T)
                layer.bias.copy_(bias[index, 0])
        return model.eval()


def train_code_aes(
    z: np.ndarray, masks: np.ndarray, mean: np.ndarray, config: AlbumAEConfig, seed: int
) -> list[CodeAE]:
    """One CodeAE per row of ``masks`` ((M, n) bool: which rows of ``z`` each model learns from), trained
    together; denoising (noisy input, clean target), full batch up to ``config.batch_size`` rows."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    n, dim = z.shape
    masks = torch.from_numpy(np.asarray(masks, np.float32))
    stack = _Stack(len(masks), dim, config.hidden, config.bottleneck)
    optimiser = torch.optim.AdamW(stack.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.steps, eta_min=config.lr * 0.1)
    data = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
    noise = config.noise / np.sqrt(dim)  # per-dimension std, so the noise vector's norm is about config.noise
    stack.train()
    for _ in range(config.steps):
        if n <= config.batch_size:
            batch, weight = data, masks
        else:
            rows = torch.randint(0, n, (config.batch_size,), generator=generator)
            batch, weight = data[rows], masks[:, rows]
        clean = batch.expand(len(masks), *batch.shape)
        noisy = clean + noise * torch.randn(clean.shape, generator=generator) if noise > 0 else clean
        error = ((stack(noisy) - clean) ** 2).sum(dim=2)  # (M, B)
        loss = ((error * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1.0)).sum()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
    return [stack.extract(index, mean) for index in range(len(masks))]


def train_code_ae(z: np.ndarray, mean: np.ndarray, config: AlbumAEConfig, seed: int) -> CodeAE:
    """One CodeAE on all rows of ``z``."""
    return train_code_aes(z, np.ones((1, len(z)), bool), mean, config, seed)[0]


def model_errors(model: CodeAE, codes: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))).double().numpy()


class AlbumAE:
    """One album's autoencoder with its held-out calibration (scikit-learn conventions).

    Learned: ``model_`` (CodeAE on all members), ``heldout_errors_`` (each member's error under a model
    trained without it), ``loc_``, ``temperature_``, ``threshold_``.
    """

    def __init__(self, config: AlbumAEConfig = AlbumAEConfig()) -> None:
        self.config = config

    def fit(self, codes: np.ndarray, mean: np.ndarray | None = None) -> AlbumAE:
        """Train on one album's raw codes (``mean``: the library's mean code; the album's own when None)."""
        codes = np.asarray(codes, np.float32)
        c = self.config
        if len(codes) < max(c.min_members, 2):
            raise ValueError(f"an album model needs at least {max(c.min_members, 2)} photos, got {len(codes)}")
        self.mean_ = np.asarray(codes.mean(axis=0) if mean is None else mean, np.float32)
        z = unit_codes(codes, self.mean_)
        n = len(z)
        rng = np.random.default_rng(c.seed)
        order = rng.permutation(n)
        folds = int(min(c.folds, n))
        masks = np.ones((folds + 1, n), bool)  # rows 0..K-1: fold models; row K: the final model (all members)
        tests = [order[fold::folds] for fold in range(folds)]
        for fold, test in enumerate(tests):
            masks[fold, test] = False
        models = train_code_aes(z, masks, self.mean_, c, seed=c.seed)
        heldout = np.empty(n)
        for fold, test in enumerate(tests):
            heldout[test] = model_errors(models[fold], codes[test])
        self.model_ = models[-1]
        self.heldout_errors_ = heldout
        self.train_errors_ = model_errors(self.model_, codes)
        self.loc_, self.temperature_, self.threshold_ = calibrate(heldout, c)
        self.own_threshold_ = self.threshold_
        return self

    def pool(self, pooled_threshold: float) -> AlbumAE:
        """Shrink ``threshold_`` towards the library's pooled threshold (see the module docstring)."""
        n, w = len(self.heldout_errors_), self.config.pool_weight
        log_t = (n * np.log(self.own_threshold_) + w * np.log(pooled_threshold)) / (n + w)
        self.threshold_ = float(np.exp(log_t))
        return self

    def errors(self, codes: np.ndarray) -> np.ndarray:
        return model_errors(self.model_, codes)


def calibrate(heldout: np.ndarray, config: AlbumAEConfig) -> tuple[float, float, float]:
    """(loc, temperature, own threshold) from held-out errors: robust, and shrunk towards a prior when few."""
    logs = np.log(np.maximum(np.asarray(heldout, np.float64), 1e-8))
    loc = float(np.median(logs))
    mad = float(np.median(np.abs(logs - loc))) * 1.4826  # a normal's sigma
    n = len(logs)
    scale = np.sqrt((n * mad**2 + config.prior_weight * config.prior_scale**2) / (n + config.prior_weight))
    scale = float(max(scale, config.min_scale))
    z_q = NormalDist().inv_cdf(config.threshold_quantile)
    return loc, scale, float(np.exp(loc + z_q * scale))


# --- ONNX ----------------------------------------------------------------------------------------------------


def _layers(model: CodeAE) -> list[nn.Module]:
    return [*model.encoder, *model.decoder]


def to_onnx(model: CodeAE, metadata: Mapping[str, str]) -> onnx.ModelProto:
    """The CodeAE as an ONNX graph, written node by node (a 4-layer MLP needs no exporter; this takes a
    millisecond where torch's dynamo exporter takes a second per album): code (N, D) → error (N,)."""
    dim = int(model.mean.shape[0])
    inits = [
        numpy_helper.from_array(model.mean.detach().numpy().astype(np.float32), "mean"),
        numpy_helper.from_array(np.array([1e-12], np.float32), "eps"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
    ]
    nodes = [
        helper.make_node("Sub", [INPUT_NAME, "mean"], ["centred"]),
        helper.make_node("Mul", ["centred", "centred"], ["centred_sq"]),
        helper.make_node("ReduceSum", ["centred_sq", "axis1"], ["norm_sq"], keepdims=1),
        helper.make_node("Sqrt", ["norm_sq"], ["norm"]),
        helper.make_node("Max", ["norm", "eps"], ["norm_safe"]),
        helper.make_node("Div", ["centred", "norm_safe"], ["z"]),
    ]
    current = "z"
    for index, layer in enumerate(_layers(model)):
        out = f"h{index}"
        if isinstance(layer, nn.Linear):
            weight, bias = f"w{index}", f"b{index}"
            inits.append(numpy_helper.from_array(layer.weight.detach().numpy().astype(np.float32), weight))
            inits.append(numpy_helper.from_array(layer.bias.detach().numpy().astype(np.float32), bias))
            nodes.append(helper.make_node("Gemm", [current, weight, bias], [out], transB=1))
        elif isinstance(layer, nn.Tanh):
            nodes.append(helper.make_node("Tanh", [current], [out]))
        else:
            raise TypeError(f"cannot export layer {layer!r}")
        current = out
    nodes += [
        helper.make_node("Sub", [current, "z"], ["residual"]),
        helper.make_node("Mul", ["residual", "residual"], ["residual_sq"]),
        helper.make_node("ReduceSum", ["residual_sq", "axis1"], [OUTPUT_NAME], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "album_autoencoder",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", dim])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch"])],
        initializer=inits,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="album_app.trainer")
    proto.ir_version = 8  # readable by every onnxruntime this app supports (>= 1.17)
    stamp(proto, dict(metadata))
    onnx.checker.check_model(proto)
    return proto


def export_album_ae(
    ae: AlbumAE,
    path: str | os.PathLike[str],
    *,
    album_id: int,
    code_model_id: str,
    member_ids: Sequence[int],
    parity_codes: np.ndarray | None = None,
) -> dict[str, str]:
    """Write ``path`` atomically (after an onnxruntime-vs-torch parity check, trainer/onnx.py); returns the
    metadata."""
    c = ae.config
    rng = np.random.default_rng(c.seed)
    members = np.asarray(member_ids, np.int64)
    keep = np.sort(rng.choice(len(members), min(len(members), MAX_HELDOUT_IN_METADATA), replace=False))
    metadata = {
        CONTRACT_KEY: CONTRACT_VERSION,
        "album_id": str(int(album_id)),
        "code_model_id": code_model_id,
        "code_size": str(int(ae.mean_.shape[0])),
        "member_count": str(len(members)),
        "fingerprint": fingerprint(members.tolist(), code_model_id, c),
        "loc": repr(ae.loc_),
        "temperature": repr(ae.temperature_),
        "threshold": repr(ae.threshold_),
        "threshold_quantile": repr(c.threshold_quantile),
        # {photo id: held-out error}: lets the ensemble calibration reuse this album without retraining it.
        "heldout": json.dumps({str(int(members[i])): float(ae.heldout_errors_[i]) for i in keep}),
        "config": c.key(),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    proto = to_onnx(ae.model_, metadata)
    probe = parity_codes if parity_codes is not None else np.zeros((1, ae.mean_.shape[0]), np.float32)
    write_checked(path, lambda tmp: onnx.save(proto, str(tmp)), ae.errors, probe, what=f"album {album_id}")
    return metadata


# --- a library's albums ----------------------------------------------------------------------------------


@dataclass
class AlbumFitReport:
    trained: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # fingerprint unchanged: not retrained
    removed: list[int] = field(default_factory=list)  # no longer accepted, or too small now
    too_small: list[int] = field(default_factory=list)
    sharpness: float = 1.0
    seconds: float = 0.0


def fit_album_models(
    directory: str | os.PathLike[str],
    albums: Mapping[int, Sequence[int]],
    photo_ids: np.ndarray,
    codes: np.ndarray,
    code_model_id: str,
    *,
    config: AlbumAEConfig = AlbumAEConfig(),
    mean: np.ndarray | None = None,
    retrain_all: bool = False,
    log: bool = False,
) -> AlbumFitReport:
    """Bring ``directory`` in line with ``albums`` ({album id: member photo ids}): train the albums whose
    member set (fingerprint) changed, keep the rest, delete models of albums no longer given, recalibrate."""
    begin = time.perf_counter()
    threads = torch.get_num_threads()
    # A 4-layer MLP on a few hundred rows: every op is tiny, and more threads only add synchronisation
    # (measured: 2 threads on 2 busy cores made a fit 50x slower than 1).
    torch.set_num_threads(1)
    try:
        return _fit_album_models(
            directory, albums, photo_ids, codes, code_model_id, config, mean, retrain_all, log, begin
        )
    finally:
        torch.set_num_threads(threads)


def _fit_album_models(
    directory: str | os.PathLike[str],
    albums: Mapping[int, Sequence[int]],
    photo_ids: np.ndarray,
    codes: np.ndarray,
    code_model_id: str,
    config: AlbumAEConfig,
    mean: np.ndarray | None,
    retrain_all: bool,
    log: bool,
    begin: float,
) -> AlbumFitReport:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    photo_ids = np.asarray(photo_ids, np.int64)
    codes = np.asarray(codes, np.float32)
    row_of = {int(p): i for i, p in enumerate(photo_ids.tolist())}
    mean = np.asarray(codes.mean(axis=0) if mean is None else mean, np.float32)
    report = AlbumFitReport()
    wanted: set[int] = set()
    pending: list[tuple[int, list[int], list[int], AlbumAE]] = []
    pooled_logs: list[np.ndarray] = []
    for album_id, members in sorted(albums.items()):
        rows = [row_of[int(m)] for m in members if int(m) in row_of]
        member_ids = [int(photo_ids[r]) for r in rows]
        path = model_path(directory, album_id)
        if len(rows) < config.min_members:
            report.too_small.append(int(album_id))
            continue
        wanted.add(int(album_id))
        expected = fingerprint(member_ids, code_model_id, config)
        if not retrain_all and path.is_file():
            try:
                info = read_album_model_info(path)
            except AlbumModelError:
                info = None  # unreadable: retrain it
            if info is not None and info.fingerprint == expected:
                report.kept.append(int(album_id))
                pooled_logs.append(np.log(list(json.loads(info.extra.get("heldout", "{}")).values()) or [1.0]))
                continue
        ae = AlbumAE(config).fit(codes[rows], mean)
        pending.append((int(album_id), rows, member_ids, ae))
        pooled_logs.append(np.log(np.maximum(ae.heldout_errors_, 1e-8)))
    # The pooled threshold: the same quantile of every album's held-out log errors, each album weighted
    # equally (a 1000-photo album must not set the bar for a 6-photo one alone).
    pooled = _pooled_threshold(pooled_logs, config.threshold_quantile)
    for album_id, rows, member_ids, ae in pending:
        ae.pool(pooled)
        export_album_ae(
            ae,
            model_path(directory, album_id),
            album_id=album_id,
            code_model_id=code_model_id,
            member_ids=member_ids,
            parity_codes=codes[rows[:64]],
        )
        report.trained.append(album_id)
        if log:
            print(
                f"album {album_id}: {len(rows)} photos, held-out log error {ae.loc_:.2f} ± {ae.temperature_:.2f}, "
                f"threshold {ae.threshold_:.3g}",
                file=sys.stderr,
            )
    for path in directory.glob("*.onnx"):
        if path.stem.isdigit() and int(path.stem) not in wanted:
            path.unlink()
            report.removed.append(int(path.stem))
    report.sharpness = calibrate_sharpness(directory, photo_ids, codes, code_model_id)
    write_index(
        directory,
        {
            "code_model_id": code_model_id,
            "sharpness": report.sharpness,
            "pooled_threshold": pooled,
            "albums": sorted(wanted),
            "config": asdict(config),
        },
    )
    report.seconds = time.perf_counter() - begin
    return report


def _pooled_threshold(logs: list[np.ndarray], quantile: float) -> float:
    if not logs:
        return 1.0
    weights = np.concatenate([np.full(len(x), 1.0 / max(len(x), 1)) for x in logs])
    values = np.concatenate(logs)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(np.exp(values[order][min(np.searchsorted(cumulative, quantile), len(values) - 1)]))


def calibrate_sharpness(
    directory: Path, photo_ids: np.ndarray, codes: np.ndarray, code_model_id: str, *, normalise: bool = False
) -> float:
    """The softmax temperature that makes held-out members' own albums most likely (1.0 with < 2 albums)."""
    models = AlbumModels.load(directory, code_model_id)
    models.scorer.normalise = normalise
    if len(models) < 2:
        return 1.0
    row_of = {int(p): i for i, p in enumerate(np.asarray(photo_ids).tolist())}
    rows, own, own_errors = [], [], []
    for column, info in enumerate(models.infos):
        for photo, error in json.loads(info.extra.get("heldout", "{}")).items():
            if int(photo) in row_of:
                rows.append(row_of[int(photo)])
                own.append(column)
                own_errors.append(float(error))
    if not rows:
        return 1.0
    errors = models.errors(codes[rows])
    errors[np.arange(len(rows)), own] = own_errors  # its own album's model never saw it
    scores = models.scorer.scores(errors)
    best, best_nll = 1.0, np.inf
    for sharpness in np.exp(np.linspace(np.log(0.05), np.log(20.0), 61)):
        logits = -scores / sharpness
        logits = logits - logits.max(axis=1, keepdims=True)
        nll = float(np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(len(rows)), own]))
        if nll < best_nll:
            best, best_nll = float(sharpness), nll
    return best


def write_index(directory: Path, value: dict[str, object]) -> None:
    with atomic_path(directory / INDEX_NAME) as tmp:
        tmp.write_text(json.dumps(value, indent=1, sort_keys=True))


def fit_library(
    library: str | os.PathLike[str],
    *,
    retrain_all: bool = False,
    threads: int = 1,
    config: AlbumAEConfig = AlbumAEConfig(),
) -> AlbumFitReport:
    """Album models for a library's accepted (locked) albums, from its catalog (opened read-only)."""
    from album_app.catalog import Catalog, CatalogError
    from album_app.catalog.codes import active_model, load_codes
    from album_app.catalog.extras import accepted_album_members
    from album_app.library import resolve_library

    torch.set_num_threads(max(1, threads))
    paths = resolve_library(library)
    with Catalog(paths, writer=False) as catalog:
        model = active_model(catalog)
        if model is None:
            raise CatalogError("No photos have been embedded yet: scan a folder first (album-app scan FOLDER).")
        ids, codes = load_codes(catalog, model.id)
        accepted = accepted_album_members(catalog)
    if not ids:
        raise CatalogError("No codes in the catalog for the model in use: scan first.")
    return fit_album_models(
        album_models_dir(paths.models),
        accepted,
        np.asarray(ids),
        codes,
        model.id,
        config=config,
        retrain_all=retrain_all,
        log=True,
    )
