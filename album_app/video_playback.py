"""Playing a video: frames decoded with PyAV at the size they are shown, turned upright, paced by their pts.

No Qt here. The viewer's player (gui/views/video_player.py) runs ``Playback.run`` on a worker thread and
sends it commands from the GUI thread (play, pause, toggle, seek, resize, stop: thread-safe, they only queue);
what happens comes back through a ``PlaybackSink`` called on the worker thread. Only the original is read.

- Frames are converted (RGB) at the size of the box they are shown in, never larger than stored: a 4K video
  shown in a 1000-pixel window is scaled by FFmpeg's swscale as it is converted, not by the GUI.
- Pacing: a frame is due at its pts after the moment playback (re)started from a position; a frame that is
  already late by more than a frame's worth is decoded but not converted or shown, so a slow machine shows
  fewer frames at the right time instead of a slow-motion video (at least one every ``MAX_GAP_S``).
- Rotation: the display rotation a phone writes (portrait recorded as rotated landscape) is read and turned
  by the same rules as the poster and the thumbnails (ingest.video, preprocess.upright).
- Sound is not played: the app ships without an audio output library (QtMultimedia is not in the bundle);
  ``VideoInfo.has_audio`` lets the player say so.
- No looping: at the end the last frame stays and ``play`` starts again from the beginning.
- A damaged file ends playback with a reason (``failed`` when nothing could be shown, ``ended`` with a note
  when the file breaks off after some frames); nothing raises out of ``run``.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol  # PyAV's containers, streams and frames

from PIL import Image

from album_app.ingest.decode import short_reason
from album_app.ingest.video import MAX_VIDEO_PIXELS, frame_rotation, rotation_orientation
from album_app.preprocess import upright

#: A frame later than this (seconds) is skipped rather than shown: the picture keeps up with the clock.
LATE_S = 0.05
#: ...but one is shown at least this often, so a machine too slow to keep up still shows the video moving.
MAX_GAP_S = 0.25
#: How long ``stop`` waits for the worker (a 4K frame being decoded is the longest it can be busy).
STOP_TIMEOUT_S = 5.0
#: The last frame this much before the stated duration: the file is cut short (a copy that broke off).
CUT_SHORT_S = 1.0
DAMAGED = "the rest of the file is damaged or missing"


def format_clock(seconds: float | None) -> str:
    """A position or duration as a player shows it: "0:07", "12:05", "1:02:03"; "-:--" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "-:--"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fit_size(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """``width`` × ``height`` scaled to fit the box, keeping its shape, never enlarged; at least 1 × 1."""
    if width <= 0 or height <= 0:
        return max(width, 1), max(height, 1)
    scale = min(box_width / width, box_height / height, 1.0) if box_width > 0 and box_height > 0 else 1.0
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_size(stored: tuple[int, int], orientation: int, box: tuple[int, int]) -> tuple[int, int]:
    """The size to convert a stored frame to so that, turned upright, it fits ``box``."""
    sideways = orientation >= 5  # EXIF orientations 5..8 swap width and height
    width, height = (stored[1], stored[0]) if sideways else stored
    shown = fit_size(width, height, *box)
    return (shown[1], shown[0]) if sideways else shown


class Pacer:
    """When a frame of a given pts (seconds) is due on the monotonic clock."""

    def __init__(self) -> None:
        self.origin = 0.0  # the clock reading at which pts 0 would have been due
        self.last_shown = float("-inf")

    def restart(self, position_s: float, now: float) -> None:
        """Playback (re)starts at ``position_s`` now: after a pause, a seek, or at the start."""
        self.origin = now - position_s

    def delay(self, pts: float, now: float) -> float:
        """Seconds until the frame is due (negative: it is late)."""
        return self.origin + pts - now

    def should_skip(self, pts: float, now: float) -> bool:
        return -self.delay(pts, now) > LATE_S and now - self.last_shown < MAX_GAP_S

    def shown(self, now: float) -> None:
        self.last_shown = now


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float | None
    width: int  # as shown (upright), before any scaling
    height: int
    has_audio: bool


class PlaybackSink(Protocol):
    """Called on the worker thread; the GUI's sink forwards each call to its thread (a queued signal)."""

    def opened(self, info: VideoInfo) -> None: ...

    def frame(self, image: Image.Image, position_s: float) -> None: ...

    def playing(self, playing: bool) -> None: ...

    def ended(self, note: str) -> None: ...

    def failed(self, message: str) -> None: ...


def _reason(error: BaseException) -> str:
    """FFmpeg's own words for an error ("Invalid data found when processing input"), without its errno and
    the path the viewer shows already."""
    strerror = getattr(error, "strerror", None)
    return strerror if isinstance(strerror, str) and strerror else short_reason(error)


class _Stop(Exception):
    pass


class Playback:
    """One video played from a worker thread: ``run`` there, the commands from anywhere."""

    def __init__(self, path: str, sink: PlaybackSink, *, box: tuple[int, int] = (1280, 720),
                 autoplay: bool = True) -> None:
        self.path, self.sink, self.autoplay = path, sink, autoplay
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._box = box
        self._container: Any = None
        self._stream: Any = None
        self._origin_pts = 0
        self._frames: Iterator[tuple[Any, float]] | None = None
        self._pacer = Pacer()
        self.position_s = 0.0  # of the frame shown last
        self._shown_size = (0, 0)
        self._orientation = 1  # of the frames, as EXIF says it (the display rotation read from each frame)
        self._playing = False
        self._ended = False

    # -- commands (any thread) ----------------------------------------------------------------------

    def play(self) -> None:
        self._commands.put(("play", None))

    def pause(self) -> None:
        self._commands.put(("pause", None))

    def toggle(self) -> None:
        self._commands.put(("toggle", None))

    def seek(self, position_s: float) -> None:
        self._commands.put(("seek", max(0.0, float(position_s))))

    def resize(self, width: int, height: int) -> None:
        self._commands.put(("resize", (max(1, width), max(1, height))))

    def stop(self) -> None:
        self._commands.put(("stop", None))

    # -- the worker ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Open, show the first frame, then play and obey commands until ``stop``. Never raises."""
        try:
            import av
        except ImportError:
            self.sink.failed("This video cannot be played: video support (PyAV) is not installed.")
            return
        try:
            self._open(av)
        except (av.FFmpegError, OSError, ValueError) as error:
            self.sink.failed(f"This video cannot be played: {_reason(error)}")
            self._close()
            return
        try:
            self._loop(av)
        except _Stop:
            pass
        except Exception as error:  # a worker must report, not die silently
            self.sink.failed(f"This video cannot be played: {_reason(error)}")
        finally:
            self._close()

    def _open(self, av: Any) -> None:
        self._container = av.open(self.path, metadata_errors="replace")
        if not self._container.streams.video:
            raise ValueError("the file has no video track")
        stream = self._stream = self._container.streams.video[0]
        context = stream.codec_context
        if context.width * context.height > MAX_VIDEO_PIXELS:
            raise ValueError(f"frames too large to decode safely ({context.width}×{context.height})")
        context.thread_type = "AUTO"  # frame threads: playback is the one thing the app is doing
        self._origin_pts = stream.start_time or 0

    def _close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def _duration(self) -> float | None:
        container, stream = self._container, self._stream
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        return container.duration / 1_000_000 if container.duration else None  # AV_TIME_BASE

    def _loop(self, av: Any) -> None:
        first = self._show_at(0.0, av)
        if first is None:
            self.sink.failed("This video cannot be played: no frame could be decoded.")
            return
        context = self._stream.codec_context
        shown = (context.height, context.width) if self._orientation >= 5 else (context.width, context.height)
        self.sink.opened(VideoInfo(self._duration(), *shown, bool(self._container.streams.audio)))
        self._set_playing(self.autoplay)
        pending: tuple[Image.Image, float] | None = None
        while True:
            if self._playing and pending is None:
                pending = self._next(av)
                if pending is None and not self._ended:  # (a damaged file has ended already)
                    duration = self._duration()
                    # A file cut short (a copy that broke off) decodes cleanly up to where its data stops.
                    short = duration is not None and self.position_s < duration - CUT_SHORT_S
                    self._finish(DAMAGED if short else "")
            wait = None
            if self._playing and pending is not None:
                wait = self._pacer.delay(pending[1], time.monotonic())
            batch = self._take(wait)
            if not batch:  # the pending frame is due
                if pending is not None:
                    self._emit(*pending)
                    pending = None
                continue
            if self._obey(batch, av):
                pending = None

    def _take(self, wait: float | None) -> list[tuple[str, Any]]:
        """The commands that arrive within ``wait`` seconds (None: until one does), with any queued behind."""
        try:
            batch = [self._commands.get_nowait() if wait is not None and wait <= 0 else
                     self._commands.get(timeout=wait)]
        except queue.Empty:
            return []
        while True:
            try:
                batch.append(self._commands.get_nowait())
            except queue.Empty:
                return batch

    def _obey(self, batch: list[tuple[str, Any]], av: Any) -> bool:
        """Carry out a batch of commands (a slider drag queues many seeks: only the last is decoded).
        True when the frame decoded ahead is no longer the next one."""
        if any(kind == "stop" for kind, _ in batch):
            raise _Stop
        seeks = [value for kind, value in batch if kind == "seek"]
        moved = False
        for kind, value in batch:
            if kind == "resize":
                grew = value[0] > self._shown_size[0] * 1.1 and value[1] > self._shown_size[1] * 1.1
                self._box = value
                if grew and not self._playing and not seeks:  # paused: the frame shown is redrawn sharp
                    seeks.append(self.position_s)
        if seeks:
            self._ended = False
            self._show_at(seeks[-1], av)
            moved = True
        for kind, _ in batch:
            if kind == "toggle":
                kind = "pause" if self._playing else "play"
            if kind == "play" and not self._playing:
                if self._ended:  # no looping: play again starts from the beginning
                    self._ended = False
                    self._show_at(0.0, av)
                    moved = True
                self._set_playing(True)
            elif kind == "pause" and self._playing:
                self._set_playing(False)
        return moved

    def _set_playing(self, playing: bool) -> None:
        self._playing = playing
        if playing:
            self._pacer.restart(self.position_s, time.monotonic())
        self.sink.playing(playing)

    def _finish(self, note: str) -> None:
        self._ended = True
        self._set_playing(False)
        self.sink.ended(note)

    def _show_at(self, position_s: float, av: Any) -> Image.Image | None:
        """Seek to the frame at ``position_s`` (the key frame before it, then decoding on) and show it."""
        self._frames = self._decode_from(position_s, av)
        shown = self._next(av, skip=False)
        if shown is not None:
            self._emit(*shown)
            self._pacer.restart(self.position_s, time.monotonic())
        return shown[0] if shown is not None else None

    def _decode_from(self, position_s: float, av: Any) -> Iterator[tuple[Any, float]]:
        container, stream = self._container, self._stream
        base = float(stream.time_base)
        container.seek(self._origin_pts + int(position_s / base), stream=stream, backward=True)
        rate = float(stream.average_rate or 30)
        before = None
        for frame in container.decode(stream):
            at = max(0.0, (frame.pts - self._origin_pts) * base) if frame.pts is not None else self.position_s
            if at < position_s - 0.5 / rate:  # decoded from the key frame on, shown from the position
                before = (frame, at)
                continue
            before = None
            yield frame, at
        if before is not None:  # a seek past the last frame shows the last frame
            yield before

    def _next(self, av: Any, *, skip: bool = True) -> tuple[Image.Image, float] | None:
        """The next frame to show, converted; None at the end. Late frames are skipped while playing."""
        assert self._frames is not None
        while True:
            try:
                frame, at = next(self._frames)
            except StopIteration:
                return None
            except av.FFmpegError as error:
                if self._shown_size == (0, 0):
                    raise
                self._frames = iter(())
                self._finish(f"{DAMAGED} ({_reason(error)})")
                return None
            if skip and self._pacer.should_skip(at, time.monotonic()):
                continue
            orientation = self._orientation = rotation_orientation(frame_rotation(frame))
            width, height = decode_size((frame.width, frame.height), orientation, self._box)
            image = upright(frame.to_image(width=width, height=height), orientation)
            return image, at

    def _emit(self, image: Image.Image, position_s: float) -> None:
        self.position_s = position_s
        self._shown_size = image.size
        self._pacer.shown(time.monotonic())
        self.sink.frame(image, position_s)
