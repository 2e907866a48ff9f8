#!/usr/bin/env bash
# Build the one-folder app bundle: dist/album-app/album-app (+ dist/album-app/_internal/).
#
#   packaging/build_bundle.sh [--archive]
#
# PY names the Python whose site-packages go into the bundle (default: .venv/bin/python); it needs
# PyInstaller (pip install 'pyinstaller>=6.10'). --archive also writes
# dist/album-app-VERSION-linux-ARCH.tar.gz. Prints the bundle's size and its biggest parts.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
ARCHIVE=0
for arg in "$@"; do
    case "$arg" in
        --archive) ARCHIVE=1 ;;
        -h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "build_bundle: unknown argument $arg" >&2; exit 2 ;;
    esac
done

if [ ! -f assets/encoder.onnx ]; then
    echo "build_bundle: assets/encoder.onnx is missing; the bundle needs the default model" >&2
    exit 1
fi
if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
    echo "build_bundle: PyInstaller is not installed for $PY (pip install 'pyinstaller>=6.10')" >&2
    exit 1
fi

"$PY" -m PyInstaller packaging/album-app.spec --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller

BUNDLE=dist/album-app
version="$("$BUNDLE/album-app" --version)"
echo "built $BUNDLE/album-app: $version"
sizes() { awk -v b="$1" 'BEGIN { printf "%d bytes = %.1f MB = %.1f MiB", b, b / 1e6, b / 1048576 }'; }
echo "size: $(sizes "$(du -sb "$BUNDLE" | cut -f1)") (du -sb; $(du -sh "$BUNDLE" | cut -f1) on disk); biggest parts:"
du -sh "$BUNDLE"/_internal/* "$BUNDLE"/_internal/PySide6/Qt/lib 2>/dev/null | sort -rh | sed -n '1,12s/^/  /p'

if [ "$ARCHIVE" = 1 ]; then
    name="album-app-${version#album-app }-linux-$(uname -m)"
    tar -C dist --transform "s,^album-app,$name," -czf "dist/$name.tar.gz" album-app
    echo "archive: dist/$name.tar.gz ($(sizes "$(stat -c %s "dist/$name.tar.gz")"))"
fi
