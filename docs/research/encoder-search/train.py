"""Standalone trainer for the issue-15 encoder research (not the app's trainer: that one is being moved).

    OMP_NUM_THREADS=1 nice -n 10 python train.py --out runs/NAME [--size 112 --arch c4x --pool gem
        --obj ntxent|vicreg --recon 1.0 --recon-target clean|view --locals 4 --local-size 56
        --batch 128 --cpu-minutes 15 | --max-steps N]

Budget is CPU time of this process (time.process_time): with one thread that is a fair budget on a
machine whose other jobs take the cores now and then. Views are cut from photos decoded once.
Ends with a BatchNorm re-calibration on clean (un-augmented, centre-square) training photos.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
from models import Decoder, Encoder, projector  # noqa: E402


# ------------------------------------------------------------------ views
class Views:
    """A photographer/messenger view: geometric part (crop/zoom, mirror) then photometric part
    (exposure, contrast, saturation, white balance, grayscale, blur, downscale, JPEG)."""

    def __init__(self, rng: random.Random, jitter=0.4, wb=0.15, gray=0.2, blur=0.3, down=0.2, jpeg=0.3):
        self.rng, self.jitter, self.wb, self.gray, self.blur, self.down, self.jpeg = rng, jitter, wb, gray, blur, down, jpeg

    def crop(self, image: Image.Image, size: int, scale: tuple[float, float]) -> Image.Image:
        rng = self.rng
        w, h = image.size
        for _ in range(10):
            target = w * h * rng.uniform(*scale)
            aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
            cw, ch = round((target * aspect) ** 0.5), round((target / aspect) ** 0.5)
            if 0 < cw <= w and 0 < ch <= h:
                left, top = rng.randint(0, w - cw), rng.randint(0, h - ch)
                out = image.resize((size, size), Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch))
                break
        else:
            out = Image.fromarray(common.model_pixels(image, common.InputSpec(size=size)))
        return ImageOps.mirror(out) if rng.random() < 0.5 else out

    def photometric(self, image: Image.Image) -> Image.Image:
        rng, size = self.rng, image.size[0]
        ops = [ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color]
        rng.shuffle(ops)
        for op in ops:
            image = op(image).enhance(rng.uniform(1 - self.jitter, 1 + self.jitter))
        gains = np.array([rng.uniform(1 - self.wb, 1 + self.wb) for _ in range(3)], np.float32)
        image = Image.fromarray(np.clip(np.asarray(image, np.float32) * gains, 0, 255).astype(np.uint8))
        if rng.random() < self.gray:
            image = ImageOps.grayscale(image).convert("RGB")
        if rng.random() < self.blur:
            image = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.1, 1.5) * size / 64))
        if rng.random() < self.down:
            small = max(8, int(size * rng.uniform(0.3, 0.7)))
            image = image.resize((small, small), Image.Resampling.BILINEAR).resize((size, size), Image.Resampling.BILINEAR)
        if rng.random() < self.jpeg:
            buf = io.BytesIO()
            image.save(buf, format="JPEG", quality=rng.randint(20, 90))
            buf.seek(0)
            image = Image.open(buf).convert("RGB")
        return image


CHANNELS_LAST = True  # oneDNN convs on CPU: ~1.3x faster training at one thread (speed_cl.py)


def to_tensor(arrays: list[np.ndarray], spec) -> torch.Tensor:
    x = torch.from_numpy(common.normalise(np.stack(arrays), spec))
    return x.contiguous(memory_format=torch.channels_last) if CHANNELS_LAST else x


# ------------------------------------------------------------------ losses
def supcon(z: torch.Tensor, ids: torch.Tensor, t: float) -> torch.Tensor:
    """NT-Xent with several views per photo: every other view of the same photo is a positive."""
    z = F.normalize(z, dim=1)
    logits = z @ z.t() / t
    eye = torch.eye(len(z), dtype=torch.bool)
    logits = logits.masked_fill(eye, float("-inf"))
    pos = (ids[:, None] == ids[None, :]) & ~eye
    logp = logits.log_softmax(dim=1)
    return -(logp.masked_fill(~pos, 0).sum(1) / pos.sum(1)).mean()


def vicreg(za: torch.Tensor, zb: torch.Tensor, inv=25.0, var=25.0, cov=1.0) -> torch.Tensor:
    def var_cov(z):
        z = z - z.mean(0)
        std = torch.sqrt(z.var(0) + 1e-4)
        c = (z.t() @ z) / (len(z) - 1)
        off = c - torch.diag(torch.diag(c))
        return F.relu(1 - std).mean(), off.pow(2).sum() / z.shape[1]
    va, ca = var_cov(za)
    vb, cb = var_cov(zb)
    return inv * F.mse_loss(za, zb) + var * (va + vb) / 2 + cov * (ca + cb)


# ------------------------------------------------------------------ model
class Model(torch.nn.Module):
    def __init__(self, cfg: dict) -> None:
        super().__init__()
        self.encoder = Encoder(cfg["arch"], cfg["pool"], cfg["code"])
        self.decoder = Decoder(cfg["code"])
        if cfg["obj"] == "vicreg":
            self.proj = projector(cfg["code"], 1024, 1024, 3)
        else:
            self.proj = projector(cfg["code"], 512, 128, 2)


def recalibrate_bn(encoder: Encoder, images: list, size: int, batches: int = 30, batch: int = 128) -> None:
    """Running BN statistics from clean centre-square photos (what the app feeds), cumulative average."""
    spec = common.InputSpec(size=size)
    bns = [m for m in encoder.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    encoder.train()
    order = random.Random(1).sample(range(len(images)), min(len(images), batches * batch))
    with torch.no_grad():
        for i in range(0, len(order), batch):
            encoder(to_tensor([common.model_pixels(images[j], spec) for j in order[i:i + batch]], spec))
    for m in bns:
        m.momentum = 0.1
    encoder.eval()


def load_encoder(path: str) -> tuple[Encoder, dict]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = state["config"]
    enc = Encoder(cfg["arch"], cfg["pool"], cfg["code"])
    enc.load_state_dict(state["encoder"])
    return enc.eval(), cfg


# ------------------------------------------------------------------ loop
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=112, help="global views' side while training")
    ap.add_argument("--test-size", type=int, help="the exported input side (default: --size); FixRes-style "
                    "train small, embed larger: BN is re-calibrated at this side")
    ap.add_argument("--arch", default="c4x")
    ap.add_argument("--pool", default="gem")
    ap.add_argument("--code", type=int, default=128)
    ap.add_argument("--obj", default="ntxent", choices=["ntxent", "vicreg"])
    ap.add_argument("--temp", type=float, default=0.2)
    ap.add_argument("--recon", type=float, default=1.0)
    ap.add_argument("--recon-target", default="clean", choices=["clean", "view"])
    ap.add_argument("--locals", type=int, default=0)
    ap.add_argument("--local-size", type=int, default=56)
    ap.add_argument("--scale", type=float, nargs=2, default=(0.2, 1.0))
    ap.add_argument("--local-scale", type=float, nargs=2, default=(0.05, 0.3))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--cpu-minutes", type=float, default=15.0)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache-side", type=int)
    ap.add_argument("--log-every", type=float, default=60.0)
    ap.add_argument("--snapshots", type=float, nargs="*", default=[], help="CPU minutes at which to save the encoder")
    ap.add_argument("--nchw", action="store_true", help="plain NCHW tensors (slower on CPU)")
    args = ap.parse_args()
    cfg = vars(args).copy()
    cfg["train_size"] = args.size
    cfg["size"] = args.test_size or args.size  # what the encoder is fed in the app
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "log.jsonl", "a")

    def emit(rec):
        print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")
        log.flush()

    t0, c0 = time.perf_counter(), time.process_time()
    paths = common.train_paths()
    side = args.cache_side or max(cfg["size"] + cfg["size"] // 4, 128)
    images = common.load_images(paths, side)
    emit({"type": "data", "photos": len(images), "cache_side": side, "seconds": round(time.perf_counter() - t0, 1), "config": cfg})

    model = Model(cfg)
    global CHANNELS_LAST
    CHANNELS_LAST = not args.nchw
    if CHANNELS_LAST:
        model = model.to(memory_format=torch.channels_last)
    params = [p for p in model.parameters()]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.wd)
    spec = common.InputSpec(size=args.size)
    lspec = common.InputSpec(size=args.local_size)
    rng = random.Random(args.seed)
    views = Views(rng)
    budget = args.cpu_minutes * 60
    cstart, wstart = time.process_time(), time.perf_counter()
    order: list[int] = []
    step, last_log, smooth = 0, 0.0, {}
    aug_s = 0.0
    while True:
        used = time.process_time() - cstart
        frac = step / args.max_steps if args.max_steps else used / budget
        if frac >= 1.0:
            break
        lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        if step < args.warmup:
            lr *= (step + 1) / args.warmup
        for g in opt.param_groups:
            g["lr"] = lr
        if len(order) < args.batch:
            order = random.Random(args.seed * 1000 + step).sample(range(len(images)), len(images))
        batch, order = order[: args.batch], order[args.batch:]
        ta = time.perf_counter()
        g_clean, g_aug, l_aug = [], [], []
        for _v in range(2):
            for i in batch:
                c = views.crop(images[i], args.size, tuple(args.scale))
                g_clean.append(np.asarray(c))
                g_aug.append(np.asarray(views.photometric(c)))
        for _v in range(args.locals):
            for i in batch:
                l_aug.append(np.asarray(views.photometric(views.crop(images[i], args.local_size, tuple(args.local_scale)))))
        xg = to_tensor(g_aug, spec)
        target = to_tensor(g_clean if args.recon_target == "clean" else g_aug, spec)
        aug_s += time.perf_counter() - ta
        model.train()
        code_g = model.encoder(xg)
        codes = [code_g]
        if args.locals:
            codes.append(model.encoder(to_tensor(l_aug, lspec)))
        parts = {}
        B = len(batch)
        if args.obj == "ntxent":
            z = model.proj(torch.cat(codes))
            ids = torch.arange(B).repeat(2 + args.locals)
            parts["ssl"] = supcon(z, ids, args.temp)
        else:
            z = model.proj(torch.cat(codes))
            chunks = z.split(B)
            pairs = [(0, 1)] + [(g, 2 + l) for l in range(args.locals) for g in (0, 1)]
            parts["ssl"] = sum(vicreg(chunks[a], chunks[b]) for a, b in pairs) / len(pairs)
        if args.recon > 0:
            tgt = F.adaptive_avg_pool2d(target, 32)
            parts["recon"] = F.mse_loss(model.decoder(code_g), tgt)
        loss = parts["ssl"] + args.recon * parts.get("recon", 0.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        for k, v in parts.items():
            v = float(v.detach())
            smooth[k] = v if k not in smooth else 0.95 * smooth[k] + 0.05 * v
        now = time.perf_counter()
        if now - last_log >= args.log_every or step == 1:
            last_log = now
            cpu = time.process_time() - cstart
            emit({"type": "progress", "step": step, "cpu_s": round(cpu, 1), "wall_s": round(now - wstart, 1),
                  "lr": round(lr, 6), **{k: round(v, 4) for k, v in smooth.items()},
                  "steps_per_cpu_s": round(step / cpu, 4), "steps_per_wall_s": round(step / (now - wstart), 4),
                  "aug_share": round(aug_s / (now - wstart), 3),
                  "gem_p": round(float(model.encoder.pool.p), 3) if args.pool == "gem" else None})
        for mark in list(args.snapshots):
            if time.process_time() - cstart >= mark * 60:
                args.snapshots.remove(mark)
                torch.save({"config": cfg, "encoder": model.encoder.state_dict(), "step": step}, out / f"snap{mark:g}.pt")
                emit({"type": "snapshot", "cpu_minutes": mark, "step": step})
        if step % 200 == 0:
            torch.save({"config": cfg, "step": step, "model": model.state_dict(), "opt": opt.state_dict()}, out / "checkpoint.pt")
    wall, cpu = time.perf_counter() - wstart, time.process_time() - cstart
    torch.save({"config": cfg, "encoder": model.encoder.state_dict(), "step": step}, out / "running_bn.pt")
    tb = time.perf_counter()
    recalibrate_bn(model.encoder, images, cfg["size"])
    bn_s = time.perf_counter() - tb
    torch.save({"config": cfg, "encoder": model.encoder.state_dict(), "step": step, "model": model.state_dict()}, out / "final.pt")
    emit({"type": "done", "step": step, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1), "bn_recal_s": round(bn_s, 1),
          "steps_per_cpu_s": round(step / cpu, 4), "steps_per_wall_s": round(step / wall, 4),
          **{k: round(v, 4) for k, v in smooth.items()}})


if __name__ == "__main__":
    main()
