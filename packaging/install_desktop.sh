#!/usr/bin/env bash
# Install the launcher (.desktop), the hicolor icons and the AppStream metainfo for the current user.
#
#   packaging/install_desktop.sh [--exec PATH] [--uninstall]
#
# Files go under ${XDG_DATA_HOME:-~/.local/share}: applications/, icons/hicolor/*/apps/, metainfo/.
# Running it again gives the same files (idempotent); --uninstall removes exactly those files.
# Exec: the launcher runs `album-app` from PATH. When album-app is not on PATH, the launcher runs the
# bundle this checkout built (dist/album-app/album-app) or else its virtual environment's album-app;
# --exec PATH names the executable outright.
set -euo pipefail

APP_ID=io.github.album_app.AlbumApp
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
SIZES="16 24 32 48 64 128 256 512"
EXEC=""
UNINSTALL=0

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --exec) [ $# -ge 2 ] || usage 2; EXEC="$2"; shift 2 ;;
        --exec=*) EXEC="${1#--exec=}"; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "install_desktop: unknown argument $1" >&2; usage 2 ;;
    esac
done

targets() {
    echo "$DATA/applications/$APP_ID.desktop"
    echo "$DATA/metainfo/$APP_ID.metainfo.xml"
    echo "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
    for size in $SIZES; do echo "$DATA/icons/hicolor/${size}x${size}/apps/$APP_ID.png"; done
}

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$DATA/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$DATA/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$UNINSTALL" = 1 ]; then
    targets | while read -r path; do rm -f "$path"; done
    refresh_caches
    echo "removed $APP_ID from $DATA"
    exit 0
fi

# Which executable the launcher starts.
if [ -z "$EXEC" ]; then
    if command -v album-app >/dev/null 2>&1; then
        EXEC=album-app
    elif [ -x "$REPO/dist/album-app/album-app" ]; then
        EXEC="$REPO/dist/album-app/album-app"
    elif [ -x "$REPO/.venv/bin/album-app" ]; then
        EXEC="$REPO/.venv/bin/album-app"
    else
        EXEC=album-app
        echo "install_desktop: warning: album-app is not on PATH; the launcher will not start until it is" >&2
    fi
elif [ "$EXEC" != album-app ]; then
    [ -x "$EXEC" ] || { echo "install_desktop: $EXEC is not an executable" >&2; exit 1; }
    EXEC="$(cd "$(dirname "$EXEC")" && pwd)/$(basename "$EXEC")"
fi

# Desktop Entry quoting: a path with reserved characters goes in double quotes with " ` $ \ escaped by a
# backslash; then, as for any string value, every backslash is written twice.
quote_exec() {
    local value="$1"
    case "$value" in
        *[[:space:]\"\'\`\$\\\<\>\~\|\&\;\*\?\#\(\)]*)
            value="${value//\\/\\\\}"
            value="${value//\"/\\\"}"
            value="${value//\`/\\\`}"
            value="${value//\$/\\\$}"
            value="\"${value//\\/\\\\}\""
            ;;
    esac
    printf '%s' "$value"
}

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
# the values go through ENVIRON, not awk -v, which would undo the backslashes
EXEC_LINE="Exec=$(quote_exec "$EXEC") %F" TRY_LINE="TryExec=${EXEC//\\/\\\\}" awk '
    /^Exec=/ { print ENVIRON["EXEC_LINE"]; next }
    /^TryExec=/ { print ENVIRON["TRY_LINE"]; next }
    { print }
' "$HERE/$APP_ID.desktop" > "$tmp"

install -D -m 644 "$tmp" "$DATA/applications/$APP_ID.desktop"
install -D -m 644 "$HERE/$APP_ID.metainfo.xml" "$DATA/metainfo/$APP_ID.metainfo.xml"
install -D -m 644 "$REPO/assets/icons/hicolor/scalable/apps/$APP_ID.svg" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in $SIZES; do
    install -D -m 644 "$REPO/assets/icons/hicolor/${size}x${size}/apps/$APP_ID.png" \
        "$DATA/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
echo "installed $APP_ID under $DATA (launcher runs: $EXEC)"
