"""packaging/stand_ins.py: the bundle's stand-ins keep every decode as it was and refuse encoding clearly.

A private copy of a wheel (pillow_heif, PyAV) with the stand-ins in place of the real libraries is imported
in a subprocess ahead of this environment's, and what it decodes is compared with what the real libraries
decode: HEIC pixels; frames and audio samples of videos made here with the real encoders (HEVC 8 and 10 bit,
H.264, VP8, VP9, AV1, MPEG-4, MJPEG; AAC, Opus, MP3, AMR) and of the phone fixtures; the app's own video
reader. Fast (a few compiles and subprocesses); on wherever the wheels' libraries and a C compiler are.
The bundle test (tests/packaging/test_bundle.py) checks the built bundle itself.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from bundle_support import REPO

sys.path.insert(0, str(REPO / "packaging"))
import stand_ins

SITE = Path(sysconfig.get_paths()["purelib"])
MEDIA = REPO / "tests" / "fixtures" / "media"
HEIC_SAMPLE = REPO.parent / "shared" / "data" / "exif-samples" / "heic" / "IMG_5195.HEIC"
HAVE_COMPILER = shutil.which("cc") is not None or shutil.which("gcc") is not None

pytestmark = pytest.mark.skipif(not HAVE_COMPILER, reason="the stand-ins are built with a C compiler")


def private_site(tmp_path: Path, package: str, extensions: str | None = None) -> tuple[Path, list[str]]:
    """tmp_path/site: a copy of ``package`` and its wheel's NAME.libs/, each library of STAND_INS replaced
    by its stand-in (built against what stays, as the spec does). Returns the site and the replaced names."""
    libs = next(SITE.glob(f"{package}.libs"), None)
    if libs is None:
        pytest.skip(f"{package} has no wheel libraries here ({package}.libs)")
    site = tmp_path / "site"
    shutil.copytree(SITE / package, site / package)
    for extension in glob.glob(str(SITE / extensions)) if extensions else ():
        shutil.copy2(extension, site)
    shutil.copytree(libs, site / libs.name)
    binaries = [*site.rglob("*.so"), *site.rglob("*.so.*")]
    targets = {path for path in binaries if stand_ins.stand_in_for(f"{path.parent.name}/{path.name}")}
    needs = {path: needed(path) for path in binaries if path not in targets}
    for target in sorted(targets):
        stand_in = stand_ins.stand_in_for(f"{target.parent.name}/{target.name}")
        name = stand_ins.soname(target)
        dependents = [path for path, names in needs.items() if name in names]
        built, why = stand_ins.build(stand_in, target, dependents, tmp_path / "build" / target.name)
        assert built is not None, f"{target.name}: {why}"
        assert built.stat().st_size < 100_000 and stand_ins.soname(built) == name
        exported = [fields[-1] for fields in stand_ins._nm("--defined-only", str(built)) if fields[-2] != "A"]
        assert not [symbol for symbol in exported if symbol.startswith(("_Z", "__"))], exported  # C++ runtime stays
        shutil.copy2(built, target)
    return site, sorted(target.name for target in targets)


def needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line}


def python(site: Path | None, code: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    paths = [str(site)] if site else []
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": ":".join([*paths, str(REPO)]), "PATH": "/usr/bin:/bin"},
    )
    if ok:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


# -- HEIC (pillow_heif's libx265) ----------------------------------------------------------------------------

HEIC_PROBE = """
import hashlib, sys
import pillow_heif
from PIL import Image
pillow_heif.register_heif_opener()
image = Image.open(sys.argv[1]); image.load()
print("decoded", image.size, hashlib.sha256(image.tobytes()).hexdigest())
try:
    image.resize((32, 32)).save(sys.argv[2])
    print("encoded")
except Exception as error:
    print("refused", type(error).__name__, error)
"""


def test_heic_decoding_is_untouched_and_encoding_is_refused(tmp_path: Path) -> None:
    site, replaced = private_site(tmp_path, "pillow_heif", "_pillow_heif*.so")
    assert [name.split("-")[0] for name in replaced] == ["libx265"]
    samples = [MEDIA / "IMG_0001.HEIC", *([HEIC_SAMPLE] if HEIC_SAMPLE.is_file() else [])]
    for sample in samples:
        with_stand_in = python(site, HEIC_PROBE, str(sample), str(tmp_path / "out.heic")).stdout.splitlines()
        real = python(None, HEIC_PROBE, str(sample), str(tmp_path / "out.heic")).stdout.splitlines()
        assert with_stand_in[0] == real[0]  # the same size and pixels
        assert real[1] == "encoded" and with_stand_in[1].startswith("refused RuntimeError")


# -- videos (PyAV's FFmpeg) ----------------------------------------------------------------------------------

#: (file, video encoder, pixel format, audio encoder, sample rate): made with this environment's real encoders.
VIDEOS = [
    ("hevc.mp4", "libx265", "yuv420p", "aac", 44100),
    ("hevc10.mov", "libx265", "yuv420p10le", None, 0),
    ("h264.mov", "libx264", "yuv420p", "aac", 44100),
    ("vp9.webm", "libvpx-vp9", "yuv420p", "libopus", 48000),
    ("vp8.webm", "libvpx", "yuv420p", "libopus", 48000),
    ("av1.mp4", "libsvtav1", "yuv420p", None, 0),
    ("mpeg4.avi", "mpeg4", "yuv420p", "libmp3lame", 44100),
    ("mjpeg.avi", "mjpeg", "yuvj420p", None, 0),
]


def make_video(path: Path, video: str, pixels: str, audio: str | None, rate: int) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(video, rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 128, pixels
        sound = container.add_stream(audio, rate=rate) if audio else None
        rng = np.random.default_rng(0)
        for i in range(12):
            image = np.full((128, 160, 3), 255, np.uint8)
            image[:, : 12 * i] = (200, 40, 40)
            image[64:, 80:] = rng.integers(0, 255, (64, 80, 3))
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
        if sound is not None:
            size = sound.codec_context.frame_size or 1024
            for i in range(6):
                wave = (np.sin(np.arange(i * size, (i + 1) * size) / 5) * 0.3).astype(np.float32)[None, :]
                frame = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
                frame.sample_rate, frame.pts = rate, i * size
                resampler = av.AudioResampler(format=sound.codec_context.format, layout="mono", rate=rate)
                for resampled in resampler.resample(frame):
                    resampled.pts = i * size
                    container.mux(sound.encode(resampled))
            container.mux(sound.encode())


def amr(path: Path, wide: bool) -> None:
    """An AMR file of random frames (any bits decode): FFmpeg's own decoder, not opencore's, must read it."""
    rng = np.random.default_rng(1)
    header, mode, size = (b"#!AMR-WB\n", 0x44, 60) if wide else (b"#!AMR\n", 0x3C, 31)
    path.write_bytes(header + b"".join(bytes([mode]) + rng.bytes(size) for _ in range(50)))


DECODE_PROBE = """
import hashlib, json, sys
import av
found = {"versions": {k: list(v) for k, v in av.library_versions.items()}, "codecs": len(av.codecs_available)}
for path in sys.argv[1:]:
    with av.open(path) as container:
        streams = [(s.type, s.codec_context.name) for s in container.streams]
        digests = {}
        for packet in container.demux():
            for frame in packet.decode():
                digests.setdefault(packet.stream.index, hashlib.sha256()).update(frame.to_ndarray().tobytes())
    found[path.rsplit("/", 1)[-1]] = [streams, {k: v.hexdigest() for k, v in sorted(digests.items())}]
from album_app.ingest.video import read_video
for path in sys.argv[1:]:
    if not path.endswith(".amr"):
        read = read_video(path, path.rsplit("/", 1)[-1], 64)
        poster = hashlib.sha256(read.poster.tobytes()).hexdigest()
        found["poster " + path.rsplit("/", 1)[-1]] = [poster, repr(read.meta)]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def av_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    pytest.importorskip("av", reason="PyAV's wheel")
    return private_site(tmp_path_factory.mktemp("av"), "av")


def test_video_decoding_is_untouched(av_site, tmp_path: Path) -> None:
    site, replaced = av_site
    assert {name.split("-")[0] for name in replaced} >= {"libx265", "libx264", "libSvtAv1Enc", "libavfilter"}
    files = [MEDIA / "clip.mp4", MEDIA / "IMG_0001.MOV", MEDIA / "portrait.mov"]
    for name, video, pixels, audio, rate in VIDEOS:
        make_video(tmp_path / name, video, pixels, audio, rate)
        files.append(tmp_path / name)
    for name, wide in (("nb.amr", False), ("wb.amr", True)):
        amr(tmp_path / name, wide)
        files.append(tmp_path / name)
    with_stand_ins = json.loads(python(site, DECODE_PROBE, *map(str, files)).stdout)
    real = json.loads(python(None, DECODE_PROBE, *map(str, files)).stdout)
    assert with_stand_ins == real
    assert real["av1.mp4"][0] == [["video", "libdav1d"]]
    assert real["vp9.webm"][0] == [["video", "vp9"], ["audio", "opus"]]
    assert real["nb.amr"][0] == [["audio", "amrnb"]] and real["mpeg4.avi"][0][1] == ["audio", "mp3float"]


ENCODE_PROBE = """
import sys
import numpy as np
import av
codec = sys.argv[1]
with av.open(sys.argv[2], "w") as container:
    if codec in ("libmp3lame", "libopus"):
        stream = container.add_stream(codec, rate=48000)
        stream.codec_context.open()
    else:
        stream = container.add_stream(codec, rate=12)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
        try:
            container.mux(stream.encode(frame))
        except av.FFmpegError as error:
            print("refused", error)
            sys.exit(0)
print("encoded")
"""


@pytest.mark.parametrize("codec", ["libx264", "libsvtav1", "libvpx-vp9", "libmp3lame", "libopus", "libx265"])
def test_an_encoder_that_is_not_included_says_so(av_site, tmp_path: Path, codec: str) -> None:
    site, _ = av_site
    done = python(site, ENCODE_PROBE, codec, str(tmp_path / "out.mkv"), ok=False)
    if codec == "libx265":  # FFmpeg itself reports x265's "no encoder for this bit depth"
        assert done.returncode == 0 and done.stdout.startswith("refused"), done.stderr[-2000:]
    else:
        assert done.returncode != 0 and "album_app bundle: " in done.stderr and "is a stand-in" in done.stderr
    assert python(None, ENCODE_PROBE, codec, str(tmp_path / "real.mkv")).stdout.strip() == "encoded"
