"""The viewer's video player: frames from album_app.video_playback (PyAV, on a worker thread) painted here.

QtMultimedia is not in the bundle (only in the 175 MB pyside6-addons wheel), so frames are decoded with PyAV
at the size shown and painted as images. Click or Space plays and pauses; the slider seeks and shows the time;
at the end the last frame stays and play starts again. Sound is not played: a note says so when the video has
sound. Closing the player (the viewer does when it moves on or closes) stops and joins the worker.
"""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtCore import QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from album_app.video_playback import STOP_TIMEOUT_S, Playback, VideoInfo, format_clock

NO_SOUND = "no sound: the app plays videos muted"


class _Bridge(QObject):
    """The playback sink: called on the worker thread, each call a signal queued to the GUI thread."""

    openedSignal = Signal(object)  # VideoInfo
    frameSignal = Signal(object, float)  # QImage, position in seconds
    playingSignal = Signal(bool)
    endedSignal = Signal(str)
    failedSignal = Signal(str)

    def opened(self, info: VideoInfo) -> None:
        self.openedSignal.emit(info)

    def frame(self, image: Image.Image, position_s: float) -> None:
        # Converted here, on the worker thread: the GUI thread only paints.
        width, height = image.size
        qimage = QImage(image.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        self.frameSignal.emit(qimage, position_s)

    def playing(self, playing: bool) -> None:
        self.playingSignal.emit(playing)

    def ended(self, note: str) -> None:
        self.endedSignal.emit(note)

    def failed(self, message: str) -> None:
        self.failedSignal.emit(message)


class VideoScreen(QWidget):
    """The frame fitted and centred, a play mark while paused, or a message."""

    clicked = Signal()
    resized = Signal(int, int)  # device pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.shown_size = (0, 0)  # the video's upright size, so a scaled-down frame keeps its place
        self.message = "Loading…"
        self.paused = False

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(16, 16, 16))
        if self.image is None or self.image.isNull():
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect().adjusted(20, 0, -20, 0), Qt.AlignmentFlag.AlignCenter
                             | Qt.TextFlag.TextWordWrap, self.message)
            return
        width, height = self.shown_size if self.shown_size[0] else (self.image.width(), self.image.height())
        scale = min(self.width() / width, self.height() / height, 1.0)
        target = QRectF((self.width() - width * scale) / 2, (self.height() - height * scale) / 2,
                        width * scale, height * scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, self.image)
        if self.paused:
            self._play_mark(painter)

    def _play_mark(self, painter: QPainter) -> None:
        side = max(24.0, min(self.width(), self.height()) / 8)
        centre = QRectF(self.rect()).center()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 130))
        painter.drawEllipse(centre, side, side)
        triangle = QPainterPath()
        triangle.moveTo(centre.x() - side * 0.35, centre.y() - side * 0.5)
        triangle.lineTo(centre.x() + side * 0.55, centre.y())
        triangle.lineTo(centre.x() - side * 0.35, centre.y() + side * 0.5)
        triangle.closeSubpath()
        painter.setBrush(QColor(240, 240, 240, 220))
        painter.drawPath(triangle)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()

    def resizeEvent(self, event: object) -> None:
        ratio = self.devicePixelRatioF()
        self.resized.emit(round(self.width() * ratio), round(self.height() * ratio))
        super().resizeEvent(event)  # type: ignore[arg-type]


class VideoPlayer(QWidget):
    """Plays one video file (read only) until closed."""

    positionChanged = Signal(float)

    def __init__(self, path: str, parent: QWidget | None = None, *, autoplay: bool = True) -> None:
        super().__init__(parent)
        self.path = path
        self.setAccessibleName("Video player")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.info: VideoInfo | None = None
        self.position_s = 0.0
        self.playing = False
        self.ended = False
        self.error = ""
        self.frames_shown = 0
        self._seeking = False  # the slider is being set from a frame, not by the person
        # Dark like the viewer around it, whatever the style: the light glyphs and labels below need it.
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#111"))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.screen = VideoScreen()
        self.play_button = QToolButton()
        self.play_button.setAccessibleName("Play or pause")
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys stay the viewer's
        self.play_button.setAutoRaise(True)
        # Glyphs, not the style's media icons: those are dark on the viewer's dark background in some styles.
        self.play_button.setStyleSheet("QToolButton { color: #eee; font-size: 16px; padding: 0 8px; }")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setEnabled(False)
        self.time_label = QLabel(format_clock(0) + " / " + format_clock(None))
        self.time_label.setAccessibleName("Time")
        self.sound_label = QLabel(NO_SOUND)
        self.sound_label.setAccessibleName("Sound")
        self.sound_label.hide()
        for label in (self.time_label, self.sound_label):
            label.setStyleSheet("color: #ddd; padding: 0 6px;")
        self.sound_label.setStyleSheet("color: #999; padding: 0 6px;")
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 2)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.sound_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.screen, 1)
        layout.addLayout(controls)
        self._show_playing(False)

        self._bridge = _Bridge()
        self._bridge.openedSignal.connect(self._opened)
        self._bridge.frameSignal.connect(self._frame)
        self._bridge.playingSignal.connect(self._show_playing)
        self._bridge.endedSignal.connect(self._ended)
        self._bridge.failedSignal.connect(self._failed)
        self.screen.clicked.connect(self.toggle)
        self.play_button.clicked.connect(self.toggle)
        self.slider.valueChanged.connect(self._slider_moved)
        box = parent.size() if parent is not None else self.size()
        self.playback = Playback(path, self._bridge, box=(max(box.width(), 320), max(box.height(), 240)),
                                 autoplay=autoplay)
        self.screen.resized.connect(self.playback.resize)
        self._thread: threading.Thread | None = threading.Thread(
            target=self.playback.run, name="video-player", daemon=True)
        self._thread.start()

    # -- commands -----------------------------------------------------------------------------------

    def toggle(self) -> None:
        self.playback.toggle()

    def play(self) -> None:
        self.playback.play()

    def pause(self) -> None:
        self.playback.pause()

    def seek(self, position_s: float) -> None:
        self.playback.seek(position_s)

    def stop(self) -> None:
        """Stop the worker and wait for it (idempotent): no thread outlives the player."""
        if self._thread is None:
            return
        self.playback.stop()
        self._thread.join(STOP_TIMEOUT_S)
        self._thread = None

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- from the worker ----------------------------------------------------------------------------

    @Slot(object)
    def _opened(self, info: VideoInfo) -> None:
        self.info = info
        self.screen.shown_size = (info.width, info.height)
        self.sound_label.setVisible(info.has_audio)
        if info.duration_s:
            self.slider.setRange(0, round(info.duration_s * 1000))
            self.slider.setSingleStep(1000)
            self.slider.setPageStep(5000)
            self.slider.setEnabled(True)
        self._show_time()

    @Slot(object, float)
    def _frame(self, image: QImage, position_s: float) -> None:
        self.screen.image = image
        self.position_s = position_s
        self.frames_shown += 1
        if not self.slider.isSliderDown():
            self._seeking = True
            self.slider.setValue(round(position_s * 1000))
            self._seeking = False
        self._show_time()
        self.screen.update()
        self.positionChanged.emit(position_s)

    @Slot(bool)
    def _show_playing(self, playing: bool) -> None:
        self.playing = playing
        if playing:
            self.ended = False
        self.play_button.setText("\u275a\u275a" if playing else "\u25b6")
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.screen.paused = not playing
        self.screen.update()

    @Slot(str)
    def _ended(self, note: str) -> None:
        self.ended = True
        if note:
            self.time_label.setText(f"{self.time_label.text()} · {note}")

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.error = message
        self.screen.image = None
        self.screen.message = message
        self.slider.setEnabled(False)
        self.play_button.setEnabled(False)
        self.screen.update()

    def _slider_moved(self, value: int) -> None:
        if not self._seeking:
            self.seek(value / 1000)

    def _show_time(self) -> None:
        duration = self.info.duration_s if self.info is not None else None
        self.time_label.setText(f"{format_clock(self.position_s)} / {format_clock(duration)}")

    # -- events -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_K) and not self.error:
            self.toggle()
            event.accept()
        else:
            event.ignore()  # the viewer's keys (arrows, Esc, I) reach the viewer

    def closeEvent(self, event: object) -> None:
        self.stop()
        super().closeEvent(event)  # type: ignore[arg-type]


def open_player(path: str, parent: QWidget) -> QWidget | None:
    """The viewer's ``video_backend``: a player for the video at ``path``."""
    return VideoPlayer(path, parent)
