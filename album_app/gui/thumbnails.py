"""Thumbnails for the views: read from the on-disk cache in worker threads, kept in an LRU of pixmaps.

QImage may be made in any thread, QPixmap only on the GUI thread: workers decode QImages and send
them over in batches; the GUI thread turns each into a pixmap (well under a millisecond at 256 px),
caches it and says which content hashes became available, so models repaint only then.

Requests are served newest first (a stack): when a person flings through 100k photos, the ones on
screen now load before the ones scrolled past, and the stack is capped so old requests are dropped.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

from album_app.ingest.decode import thumbnail_path

Key = tuple[str, int]  # (content hash, pixel size)


class PixmapLRU:
    """Pixmaps by key, least recently used evicted first once their pixel bytes pass ``budget``."""

    def __init__(self, budget_bytes: int = 128 * 1024 * 1024) -> None:
        self.budget = budget_bytes
        self.used = 0
        self._items: OrderedDict[Key, QPixmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Key) -> bool:
        return key in self._items

    @staticmethod
    def cost(pixmap: QPixmap) -> int:
        return max(pixmap.width() * pixmap.height() * 4, 1)

    def get(self, key: Key) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: Key, pixmap: QPixmap) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= self.cost(old)
        self._items[key] = pixmap
        self.used += self.cost(pixmap)
        while self.used > self.budget and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self.used -= self.cost(evicted)

    def clear(self) -> None:
        self._items.clear()
        self.used = 0


def read_image(thumbnail: Path, original: str | None, size: int) -> QImage | None:
    """The cached thumbnail (or, when it is missing, the original decoded at reduced scale), fit in size²."""
    for path, transform in ((thumbnail, False), (Path(original) if original else None, True)):
        if path is None or not path.is_file():
            continue
        reader = QImageReader(str(path))
        reader.setAutoTransform(transform)  # thumbnails are stored upright; originals carry EXIF orientation
        full = reader.size()
        if full.isValid() and (full.width() > size or full.height() > size):
            # JPEG readers decode straight at the smaller scale: much faster than decode-then-resize.
            reader.setScaledSize(full.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if not image.isNull():
            return image
    return None


def _pixels(size: int, device_ratio: float) -> int:
    return max(round(size * device_ratio), 1)


class _LoaderSignals(QObject):
    loaded = Signal(object)  # list[(Key, QImage | None)]


class _LoadRunner(QRunnable):
    """Drains the loader's request stack, sending results in small batches (one signal per ~30 ms)."""

    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self.loader = loader
        self.signals = loader._signals

    def run(self) -> None:
        batch: list[tuple[Key, QImage | None]] = []
        last_sent = time.monotonic()
        while True:
            request = self.loader._take()
            if request is None:
                break
            key, original = request
            image = read_image(thumbnail_path(self.loader.cache_dir, key[0]), original, key[1])
            batch.append((key, image))
            if len(batch) >= 32 or time.monotonic() - last_sent > 0.03:
                self.signals.loaded.emit(batch)
                batch, last_sent = [], time.monotonic()
        if batch:
            self.signals.loaded.emit(batch)
        self.loader._runner_done()


class ThumbnailLoader(QObject):
    """Asks for thumbnails by content hash; ``ready`` names the hashes that can now be painted."""

    ready = Signal(object)  # set[str] of content hashes

    def __init__(
        self,
        cache_dir: Path,
        *,
        pool: QThreadPool | None = None,
        threads: int = 2,
        budget_bytes: int = 128 * 1024 * 1024,
        max_pending: int = 512,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.cache = PixmapLRU(budget_bytes)
        self.max_pending = max_pending
        self._pool = pool if pool is not None else QThreadPool(self)
        if pool is None:
            self._pool.setMaxThreadCount(threads)
        self._threads = threads
        self._lock = threading.Lock()
        self._stack: deque[tuple[Key, str | None]] = deque()
        self._pending: set[Key] = set()
        self._failed: set[Key] = set()
        self._runners = 0
        self._closed = False
        self._signals = _LoaderSignals()
        self._signals.loaded.connect(self._on_loaded)

    def pixmap(
        self, content_hash: str | None, size: int, device_ratio: float = 1.0, original: str | None = None
    ) -> QPixmap | None:
        """The cached pixmap, or None after queueing a load (``ready`` fires when it is there)."""
        if not content_hash:
            return None
        key = (content_hash, _pixels(size, device_ratio))
        cached = self.cache.get(key)
        if cached is not None or key in self._failed or self._closed:
            return cached
        self._request(key, original)
        return None

    def failed(self, content_hash: str | None, size: int, device_ratio: float = 1.0) -> bool:
        return bool(content_hash) and (content_hash, _pixels(size, device_ratio)) in self._failed

    def _request(self, key: Key, original: str | None) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            self._stack.append((key, original))
            while len(self._stack) > self.max_pending:  # forget the oldest: scrolled past long ago
                old, _ = self._stack.popleft()
                self._pending.discard(old)
            start = self._runners < self._threads
            if start:
                self._runners += 1
        if start:
            self._pool.start(_LoadRunner(self))

    def _take(self) -> tuple[Key, str | None] | None:
        with self._lock:
            if self._closed or not self._stack:
                return None
            return self._stack.pop()

    def _runner_done(self) -> None:
        with self._lock:
            self._runners -= 1

    @Slot(object)
    def _on_loaded(self, batch: list[tuple[Key, QImage | None]]) -> None:
        hashes: set[str] = set()
        for key, image in batch:
            with self._lock:
                self._pending.discard(key)
            if image is None:
                self._failed.add(key)
                continue
            pixmap = QPixmap.fromImage(image)
            self.cache.put(key, pixmap)
            hashes.add(key[0])
        if hashes:
            self.ready.emit(hashes)

    def forget_failures(self) -> None:
        """After a scan wrote new thumbnails, try again the ones that were missing."""
        self._failed.clear()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        with self._lock:
            self._closed = True
            self._stack.clear()
            self._pending.clear()
        self._pool.waitForDone(timeout_ms)
