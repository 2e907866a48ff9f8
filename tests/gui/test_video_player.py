"""The viewer plays videos (issue 16): PyAV frames on a worker thread, play/pause, seek, the end, damage."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from album_app.catalog.views import PhotoSummaries
from album_app.gui.views.video_player import VideoPlayer, open_player
from album_app.gui.views.viewer import PhotoViewer
from album_app.video_playback import Pacer, decode_size, fit_size, format_clock

av = pytest.importorskip("av", reason="playing videos needs PyAV")
np = pytest.importorskip("numpy")

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
WAIT = 10_000  # ms: generous, for a loaded machine; the waits end as soon as the condition holds


def make_mp4(path: Path, seconds: float = 3.0, *, faststart: bool = False, sound: bool = False) -> Path:
    """A 320×240, 10 fps MP4 (FFmpeg's built-in mpeg4 encoder): a red bar growing across black; with
    ``sound``, a silent AAC track too."""
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("mpeg4", rate=10, options={"g": "10", "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        streams = [stream]
        if sound:
            audio = container.add_stream("aac", rate=8000)
            audio.layout = "mono"
            silence = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
            silence.sample_rate, silence.pts = 8000, 0
            for packet in audio.encode(silence):
                container.mux(packet)
            streams.append(audio)
        for index in range(int(seconds * 10)):
            picture = np.zeros((240, 320, 3), np.uint8)
            picture[:, : 10 + index * 10] = (220, 30, 30)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for each in streams:
            for packet in each.encode():
                container.mux(packet)
    return path


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_mp4(tmp_path / "clip.mp4")


def player_for(qtbot, path: Path, **kwargs) -> VideoPlayer:
    player = VideoPlayer(str(path), **kwargs)
    qtbot.addWidget(player)  # closed at the end: closing stops and joins the worker
    player.resize(480, 360)
    player.show()
    return player


def test_pure_rules():
    assert [format_clock(s) for s in (0, 7.9, 65, 3723, None)] == ["0:00", "0:07", "1:05", "1:02:03", "-:--"]
    assert fit_size(3840, 2160, 960, 960) == (960, 540) and fit_size(320, 240, 1000, 1000) == (320, 240)
    assert decode_size((3840, 2160), 6, (1000, 1000)) == (1000, 562)  # stored landscape, shown portrait
    pacer = Pacer()
    pacer.restart(1.0, now=100.0)
    assert pacer.delay(1.5, now=100.0) == pytest.approx(0.5)
    pacer.shown(100.0)
    assert pacer.should_skip(1.0, now=100.2) and not pacer.should_skip(1.0, now=100.3)  # late, then overdue


def test_plays_pauses_seeks_and_ends_on_the_last_frame(qtbot, clip):
    player = player_for(qtbot, clip)
    qtbot.waitUntil(lambda: player.info is not None and player.playing, timeout=WAIT)
    assert player.info.duration_s == pytest.approx(3.0, abs=0.15) and not player.info.has_audio
    assert not player.sound_label.isVisible()  # no sound track: nothing to say about sound
    qtbot.waitUntil(lambda: player.position_s >= 0.3, timeout=WAIT)  # frames arrive, the position advances
    assert player.screen.image is not None and player.screen.image.width() == 320  # never enlarged
    assert player.slider.value() == pytest.approx(player.position_s * 1000, abs=1)
    qtbot.keyClick(player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.playing, timeout=WAIT)
    paused_at, frames = player.position_s, player.frames_shown
    qtbot.wait(300)  # paused for three frames' worth: nothing may arrive
    assert player.position_s == paused_at and player.frames_shown == frames

    player.seek(2.0)
    qtbot.waitUntil(lambda: player.position_s == pytest.approx(2.0, abs=0.06), timeout=WAIT)
    assert not player.playing  # seeking while paused shows the frame and stays paused
    assert "0:02 / 0:03" in player.time_label.text()
    qtbot.mouseClick(player.screen, Qt.MouseButton.LeftButton)  # a click plays
    qtbot.waitUntil(lambda: player.ended, timeout=WAIT)
    assert not player.playing and player.position_s == pytest.approx(2.9, abs=0.06)  # the last frame stays
    player.play()  # no looping, but play again starts from the beginning
    qtbot.waitUntil(lambda: player.playing and player.position_s < 1.0, timeout=WAIT)
    player.close()
    assert not player.is_running()


def test_a_video_with_sound_plays_muted_and_says_so(qtbot, tmp_path):
    player = player_for(qtbot, make_mp4(tmp_path / "sound.mp4", 1.0, sound=True), autoplay=False)
    qtbot.waitUntil(lambda: player.info is not None, timeout=WAIT)
    assert player.info.has_audio and player.sound_label.isVisible() and "no sound" in player.sound_label.text()


def test_a_portrait_phone_video_is_turned_upright(qtbot):
    player = player_for(qtbot, MEDIA / "portrait.mov", autoplay=False)
    qtbot.waitUntil(lambda: player.screen.image is not None and player.info is not None, timeout=WAIT)
    image = player.screen.image
    assert (player.info.width, player.info.height) == (240, 320) and image.height() > image.width()
    corner = image.pixelColor(image.width() // 8, image.height() // 8)  # the scene's red block is top-left
    assert corner.red() > 180 and corner.green() < 90


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_broken_file_says_so(qtbot, tmp_path, clip, damage):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 50 if damage == "garbage" else clip.read_bytes()[:1500])
    player = player_for(qtbot, broken)
    qtbot.waitUntil(lambda: bool(player.error), timeout=WAIT)
    assert player.error.startswith("This video cannot be played")
    assert player.screen.message == player.error and player.screen.image is None
    qtbot.waitUntil(lambda: not player.is_running(), timeout=WAIT)  # the worker ended by itself


def test_a_file_cut_short_ends_with_a_note(qtbot, tmp_path):
    whole = make_mp4(tmp_path / "whole.mp4", 4.0, faststart=True)  # the index first: the start still plays
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    player = player_for(qtbot, cut)
    qtbot.waitUntil(lambda: player.ended, timeout=WAIT)
    assert player.frames_shown > 0 and not player.error
    assert "damaged or missing" in player.time_label.text()


def test_the_viewer_plays_a_video_and_stops_it_when_moving_on(qtbot, tmp_path, clip):
    photo = MEDIA.parent / "photos" / "exif_full.jpg"  # only read
    summaries = PhotoSummaries(ids=[1, 2], content_hashes=[None, None], paths=[str(clip), str(photo)],
                               taken_at=[None, None], position={1: 0, 2: 1}, duration_s=[3.0, None])
    viewer = PhotoViewer()
    qtbot.addWidget(viewer)
    viewer.resize(900, 600)
    viewer.video_backend = open_player  # what the window sets
    viewer.set_photos(summaries)  # no formats: the duration says it is a video
    viewer.open_at([1, 2], 0, full_screen=False)
    player = viewer.video
    assert isinstance(player, VideoPlayer) and not viewer.canvas.isVisible()
    qtbot.waitUntil(lambda: player.position_s > 0.2, timeout=WAIT)
    qtbot.keyClick(viewer, Qt.Key.Key_Space)  # Space pauses the video instead of stepping
    qtbot.waitUntil(lambda: not player.playing, timeout=WAIT)
    assert viewer.index == 0
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # the next item: the player is closed and its thread joined
    assert viewer.index == 1 and viewer.video is None and not player.is_running()
    assert viewer.canvas.isVisible()
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    again = viewer.video
    assert isinstance(again, VideoPlayer) and again is not player
    qtbot.waitUntil(lambda: again.frames_shown > 0, timeout=WAIT)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)  # closing the viewer stops it too
    assert viewer.video is None and not again.is_running()
    viewer.shutdown()


def test_the_window_gives_the_viewer_the_player(open_window):
    window = open_window()
    assert window.viewer.video_backend is open_player
