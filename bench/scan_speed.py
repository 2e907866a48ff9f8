"""How fast a scan indexes camera-sized JPEGs, against a naive loop and the decode floor, in one run.

    python bench/scan_speed.py [--count 160] [--repeat 2] [--workers 2] [--json]
    python bench/scan_speed.py --heic [--count 40]     # 12 MP HEICs with thumbnails: app vs full decode
    python bench/scan_speed.py --video [--count 4]     # 1-minute 1080p videos: cost per video vs per photo

Makes N photo-like 12-megapixel JPEGs with EXIF (real scene photos upscaled, with sensor-like
noise so they compress like camera files; cached under bench/out/), then times:
  (a) naive: Pillow full decode, convert, resize to 256 px, one file after another;
  (b) floor: ``draft()`` decode alone — serially, and in a pool of --workers processes;
  (c) ``album-app scan`` end to end (new catalog: identify, hash, EXIF, decode, thumbnail, embed, write).
and the encoder's cost per photo against the decode's. Targets: (c) ≥ 5× (a), (c) within 1.5× of
the parallel floor, embedding ≤ 25 % of the per-photo decode time.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "out" / "scan_speed"
SIZE = (4000, 3000)


def cached_files(name: str, pattern: str, count: int, make_one: Callable[[Path, int], None]) -> list[Path]:
    """Files made once under bench/out/scan_speed/NAME (``make_one(folder, index)`` each), then reused."""
    folder = OUT / name
    if (folder / ".complete").exists():
        return sorted(folder.glob(pattern))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for index in range(count):
        make_one(folder, index)
        print(f"\rmaking {name} {index + 1}/{count}", end="", file=sys.stderr)
    print(file=sys.stderr)
    (folder / ".complete").touch()
    return sorted(folder.glob(pattern))


def make_photos(count: int, seed: int = 0) -> list[Path]:
    sources, rng = _sources(), np.random.default_rng(seed)

    def one(folder: Path, index: int) -> None:
        image = _camera_like(sources[int(rng.integers(len(sources)))], rng)
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "BenchCam", "BC-12"
        exif.get_ifd(0x8769)[0x9003] = f"2024:06:{1 + index % 28:02d} 12:{index % 60:02d}:00"
        image.save(folder / f"IMG_{index:04d}.jpg", "JPEG", quality=92, exif=exif.tobytes())

    return cached_files(f"photos-{count}-{seed}", "*.jpg", count, one)


def _camera_like(source: Path, rng: np.random.Generator, size: tuple[int, int] = SIZE) -> Image.Image:
    """A real photo upscaled to ``size`` with luminance grain, so it compresses like a camera file."""
    big = np.asarray(Image.open(source).convert("RGB").resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    noise = rng.normal(0, 6, (size[1], size[0], 1)).astype(np.int16)
    return Image.fromarray(np.clip(big + noise, 0, 255).astype(np.uint8))


def _sources() -> list[Path]:
    sources = sorted((SHARED / "clothing-small").rglob("*.jpg"))
    sources += sorted((SHARED / "intel-scenes").rglob("*.jpg"))[:500]
    if not sources:
        raise SystemExit(f"needs the real photos in {SHARED} (../shared/data) to make camera-like files")
    return sources


def make_heics(count: int, seed: int = 0) -> list[Path]:
    """iPhone-like HEICs: 4032×3024, quality 50, a 320 px thumbnail, EXIF time. x265's "ultrafast" preset: the
    default takes ~40 s a file on a busy 2-core machine (phones encode in hardware)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    sources, rng = _sources(), np.random.default_rng(seed)

    def one(folder: Path, index: int) -> None:
        image = _camera_like(sources[int(rng.integers(len(sources)))], rng, (4032, 3024))
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Apple", "iPhone 13 Pro"
        exif.get_ifd(0x8769)[0x9003] = f"2024:06:{1 + index % 28:02d} 12:{index % 60:02d}:00"
        image.save(folder / f"IMG_{index:04d}.HEIC", "HEIF", quality=50, thumbnails=[320], exif=exif.tobytes(),
                   enc_params={"preset": "ultrafast"})

    return cached_files(f"heic-{count}-{seed}", "*.HEIC", count, one)


def make_videos(count: int, seconds: int = 60, seed: int = 0) -> list[Path]:
    """Phone-like videos: 1920×1080, 30 fps, H.264 with a key frame a second, a slow pan over a real photo
    with sensor grain (~5 Mbit/s here; phones write 10–20), QuickTime creation time and location."""
    import av

    sources, rng = _sources(), np.random.default_rng(seed)

    def one(folder: Path, index: int) -> None:
        scene = np.asarray(_camera_like(sources[int(rng.integers(len(sources)))], rng, (2400, 1350)))
        with av.open(str(folder / f"VID_{index:04d}.mp4"), "w") as container:
            container.metadata["creation_time"] = f"2024-06-{1 + index % 28:02d}T12:00:00.000000Z"
            container.metadata["location"] = "+38.7223-009.1393/"
            stream = container.add_stream("libx264", rate=30, options={"g": "30", "preset": "ultrafast", "crf": "23"})
            stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
            for frame_index in range(seconds * 30):
                left = int(frame_index * (2400 - 1920) / (seconds * 30))
                grain = rng.integers(-4, 5, (1080, 1920, 1), dtype=np.int16)
                frame = np.clip(scene[135:1215, left : left + 1920].astype(np.int16) + grain, 0, 255).astype(np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)

    return cached_files(f"video-{count}-{seconds}-{seed}", "*.mp4", count, one)


def heic_full(path: Path) -> None:
    """What the scan did before the fast path: decode the 12 MP picture, then make the thumbnail."""
    from album_app.ingest.decode import finish
    from album_app.preprocess import InputSpec

    with Image.open(io.BytesIO(path.read_bytes())) as image:
        image.load()
        finish(image, 1, InputSpec(size=64), 256, image.width, image.height, "HEIF", "full")


def heic_app(path: Path) -> None:
    from album_app.ingest.decode import decode
    from album_app.preprocess import InputSpec

    decoded = decode(path.read_bytes(), 1, InputSpec(size=64), file_format="HEIF")
    assert decoded.path == "embedded", decoded.path


def naive(path: Path) -> None:
    with Image.open(path) as image:
        image.convert("RGB").resize((256, 192), Image.Resampling.BILINEAR)


def draft_only(path: Path) -> None:
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        image.draft("RGB", (256, 256))
        image.load()


def timed(function, paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        function(path)
    return time.perf_counter() - started


def timed_pool(function, paths: list[Path], workers: int) -> float:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(function, paths[:workers]))  # start-up is not decode time
        started = time.perf_counter()
        list(pool.map(function, paths, chunksize=1))
        return time.perf_counter() - started


def end_to_end(folder: Path, workers: int) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as library:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "album_app", "--library", library, "scan", str(folder), "--json", "--quiet",
             "--workers", str(workers)],
            cwd=REPO, capture_output=True, text=True, check=True,
        )
        return time.perf_counter() - started, json.loads(result.stdout)


def embed_cost(paths: list[Path]) -> dict[str, float] | None:
    try:
        from album_app.models.encoder import load_encoder
    except ImportError:
        return None
    from album_app.ingest.decode import decode

    encoder, _ = load_encoder(None)
    started = time.perf_counter()
    pixels = [decode(p.read_bytes(), 1, encoder.spec).pixels for p in paths]
    decode_s = (time.perf_counter() - started) / len(paths)
    batch = np.stack(pixels * max(1, 256 // len(pixels)))
    encoder.embed(batch[:8])  # warm-up
    started = time.perf_counter()
    encoder.embed(batch)
    embed_s = (time.perf_counter() - started) / len(batch)
    return {"decode_ms": decode_s * 1e3, "embed_ms": embed_s * 1e3, "embed_share": embed_s / decode_s,
            "model_size": encoder.spec.size}


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def run_heic(args: argparse.Namespace) -> None:
    """HEIC library: the app's scan vs a full decode, and per photo against the JPEG scan, in one run."""
    _register_heif()
    heics = make_heics(args.count)
    jpegs = make_photos(args.count)
    full_s = app_s = scan_heic_s = scan_jpeg_s = float("inf")
    for _ in range(args.repeat):
        full_s = min(full_s, timed(heic_full, heics))
        app_s = min(app_s, timed(heic_app, heics))
        scan_heic_s = min(scan_heic_s, end_to_end(heics[0].parent, args.workers)[0])
        scan_jpeg_s = min(scan_jpeg_s, end_to_end(jpegs[0].parent, args.workers)[0])
    each_heic_s = min(_timed_all(heics) for _ in range(args.repeat))
    each_jpeg_s = min(_timed_all(jpegs) for _ in range(args.repeat))
    n = len(heics)
    real = sorted(p for p in (SHARED / "exif-samples" / "heic").rglob("*") if p.suffix.lower() in (".heic", ".heif"))
    figures = {
        "photos": n, "mean_heic_mb": round(sum(p.stat().st_size for p in heics) / n / 1e6, 2),
        "analyse_heic_vs_jpeg": each_heic_s / each_jpeg_s,
        "code_cosine_generated": code_agreement(heics), "code_cosine_real": code_agreement(real),
        "full_decode_per_s": n / full_s, "app_decode_per_s": n / app_s, "decode_speed_up": full_s / app_s,
        "scan_heic_per_s": n / scan_heic_s, "scan_jpeg_per_s": len(jpegs) / scan_jpeg_s,
        "scan_heic_vs_full_decode_serial": full_s / scan_heic_s,
        "heic_vs_jpeg_per_photo": (scan_heic_s / n) / (scan_jpeg_s / len(jpegs)),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{n} HEICs of 4032×3024 ({figures['mean_heic_mb']} MB, 320 px thumbnail), {args.workers} workers, "
          f"best of {args.repeat}")
    print(f"  full decode + thumbnail, 1 process    {figures['full_decode_per_s']:7.1f} photos/s")
    print(f"  app decode (embedded thumbnail)       {figures['app_decode_per_s']:7.1f} photos/s"
          f"  ({figures['decode_speed_up']:.1f}× the full decode)")
    print(f"  album-app scan of the HEICs           {figures['scan_heic_per_s']:7.1f} photos/s"
          f"  ({figures['scan_heic_vs_full_decode_serial']:.1f}× the serial full decode)   [target ≥ 5×]")
    print(f"  album-app scan of {len(jpegs)} 12 MP JPEGs       {figures['scan_jpeg_per_s']:7.1f} photos/s")
    print(f"  a HEIC costs {figures['heic_vs_jpeg_per_photo']:.2f}× a JPEG in the scan, "
          f"{figures['analyse_heic_vs_jpeg']:.2f}× in the worker's own work   [target ≤ 1.5×]")
    for label, agreement in (("generated", figures["code_cosine_generated"]), ("real", figures["code_cosine_real"])):
        if agreement["photos"]:
            print(f"  codes, thumbnail path vs full decode, {label} HEICs with a thumbnail: cosine similarity "
                  f"min {agreement['min']:.4f}, mean {agreement['mean']:.4f} ({agreement['photos']} photos)")


def analyse_each(paths: list[Path]) -> None:
    """The worker's whole job for each file (read, hash, metadata, decode, thumbnail, model input), in this
    process: what a file costs the scan without the fixed costs (start-up, catalog) a short run is full of."""
    from album_app.ingest.analyse import analyse
    from album_app.ingest.walk import FoundFile
    from album_app.preprocess import InputSpec

    for path in paths:
        info = path.stat()
        result = analyse(FoundFile(str(path), info.st_size, info.st_mtime_ns), InputSpec(size=64), None)
        assert result.skip_reason is None, result.skip_reason


def code_agreement(paths: list[Path]) -> dict[str, float]:
    """Cosine similarity of the bundled encoder's codes: embedded-thumbnail path vs full decode, per HEIC
    that has a thumbnail large enough for the fast path."""
    from album_app.ingest.decode import decode, finish
    from album_app.models import load_encoder

    encoder, _ = load_encoder(None)
    fast, full = [], []
    for path in paths:
        data = path.read_bytes()
        quick = decode(data, 1, encoder.spec, file_format="HEIF")
        if quick.path != "embedded":
            continue
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            whole = finish(image, 1, encoder.spec, 256, image.width, image.height, "HEIF", "full")
        fast.append(quick.pixels)
        full.append(whole.pixels)
    if not fast:
        return {"photos": 0}
    a, b = encoder.embed(np.stack(fast)), encoder.embed(np.stack(full))
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"photos": len(fast), "min": float(cosine.min()), "mean": float(cosine.mean())}


def run_video(args: argparse.Namespace) -> None:
    """Videos: what one costs the scan against one 12 MP JPEG, in one run."""
    videos = make_videos(args.count)
    jpegs = make_photos(max(args.count * 10, 40))
    video_s = jpeg_s = each_video_s = each_jpeg_s = float("inf")
    summary: dict[str, object] = {}
    for _ in range(args.repeat):
        each_video_s = min(each_video_s, _timed_all(videos))
        each_jpeg_s = min(each_jpeg_s, _timed_all(jpegs))
        seconds, summary = end_to_end(videos[0].parent, args.workers)
        video_s = min(video_s, seconds)
        jpeg_s = min(jpeg_s, end_to_end(jpegs[0].parent, args.workers)[0])
    per_video, per_photo = each_video_s / len(videos), each_jpeg_s / len(jpegs)
    figures = {
        "videos": len(videos), "mean_video_mb": round(sum(p.stat().st_size for p in videos) / len(videos) / 1e6, 1),
        "indexed": summary.get("indexed"), "analyse_per_video_s": per_video, "analyse_per_photo_s": per_photo,
        "video_vs_photo": per_video / per_photo, "scan_per_video_s": video_s / len(videos),
        "scan_per_photo_s": jpeg_s / len(jpegs),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{len(videos)} 1-minute 1080p H.264 videos ({figures['mean_video_mb']} MB each) against {len(jpegs)} "
          f"12 MP JPEGs, best of {args.repeat}")
    print(f"  worker's work, one process: {per_video * 1e3:.0f} ms a video, {per_photo * 1e3:.0f} ms a photo: "
          f"{figures['video_vs_photo']:.2f}×   [target ≤ 3×]")
    print(f"  album-app scan end to end ({args.workers} workers, start-up included): "
          f"{figures['scan_per_video_s'] * 1e3:.0f} ms a video, {figures['scan_per_photo_s'] * 1e3:.0f} ms a photo"
          f"  ({summary.get('indexed')} videos indexed)")


def _timed_all(paths: list[Path]) -> float:
    started = time.perf_counter()
    analyse_each(paths)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=None, help="files (default 160 JPEGs, 40 HEICs, 4 videos)")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs for every figure (noisy machines)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--heic", action="store_true", help="the HEIC run instead of the JPEG one")
    parser.add_argument("--video", action="store_true", help="the video run instead of the JPEG one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.heic:
        args.count = args.count or 40
        run_heic(args)
        return
    if args.video:
        args.count = args.count or 4
        run_video(args)
        return
    args.count = args.count or 160
    paths = make_photos(args.count)
    megabytes = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
    n = len(paths)
    # Best of --repeat for each path, interleaved so that a burst of other load hurts all of them alike.
    naive_s = floor_serial_s = floor_pool_s = scan_s = float("inf")
    summary: dict[str, object] = {}
    for _ in range(args.repeat):
        naive_s = min(naive_s, timed(naive, paths))
        floor_serial_s = min(floor_serial_s, timed(draft_only, paths))
        floor_pool_s = min(floor_pool_s, timed_pool(draft_only, paths, args.workers))
        seconds, summary = end_to_end(paths[0].parent, args.workers)
        scan_s = min(scan_s, seconds)
    embed = embed_cost(paths[:16])
    figures = {
        "photos": n, "mean_file_mb": round(megabytes, 2), "workers": args.workers,
        "naive_per_s": n / naive_s, "floor_serial_per_s": n / floor_serial_s, "floor_pool_per_s": n / floor_pool_s,
        "scan_per_s": n / scan_s, "scan_vs_naive": naive_s / scan_s, "scan_vs_floor_pool": scan_s / floor_pool_s,
        "embedded": summary.get("embedded"), "embed": embed,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{n} JPEGs of {SIZE[0]}×{SIZE[1]}, {megabytes:.1f} MB each, {args.workers} workers, "
          f"best of {args.repeat} runs each")
    print(f"  (a) naive full decode + resize      {figures['naive_per_s']:7.1f} photos/s")
    print(f"  (b) floor: draft decode, 1 process  {figures['floor_serial_per_s']:7.1f} photos/s")
    print(f"  (b) floor: draft decode, {args.workers} procs    {figures['floor_pool_per_s']:7.1f} photos/s")
    print(f"  (c) album-app scan, end to end      {figures['scan_per_s']:7.1f} photos/s"
          f"  ({summary.get('embedded')} embedded)")
    print(f"  (c) is {figures['scan_vs_naive']:.1f}× faster than (a)   [target ≥ 5×]")
    print(f"  (c) takes {figures['scan_vs_floor_pool']:.2f}× the time of the parallel floor   [target ≤ 1.5×]")
    if embed:
        print(f"  embedding {embed['embed_ms']:.2f} ms/photo vs decode {embed['decode_ms']:.1f} ms/photo at "
              f"{embed['model_size']} px: {100 * embed['embed_share']:.1f} %   [target ≤ 25 %]")


if __name__ == "__main__":
    main()
