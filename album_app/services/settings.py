"""The clustering choices a person makes and the catalog keeps: fusion weights, the album models' second
opinion. Light to import (the CLI's argument parser reads these lists)."""

from __future__ import annotations

import json
from dataclasses import asdict

from album_app.albums.features import FusionWeights
from album_app.catalog import Catalog

WEIGHTS_KEY = "fusion_weights"
#: The album method the person chose last (album_app.albums.USER_METHODS): `cluster --new-only` keeps to it.
METHOD_KEY = "album_method"
# "on": accepted albums' own autoencoders place new EXIF-less photos the nearest rule left Unsorted; "off":
# never. By default ("auto") only where bench/album_models_quality.py shows them winning: accepted albums
# that differ a lot in size (100:1: 0.78 of the small albums' new photos placed vs 0.40 by the nearest rule
# alone; with albums of like size the nearest rule alone keeps more unrelated photos out).
ALBUM_MODELS_KEY = "album_models"
ALBUM_MODELS_CHOICES = ("auto", "on", "off")
#: "auto" turns the album models on when the largest accepted album holds this many times the smallest.
IMBALANCE_RATIO = 20.0


def load_weights(catalog: Catalog) -> FusionWeights:
    raw = catalog.setting(WEIGHTS_KEY)
    return FusionWeights(**json.loads(raw)) if raw else FusionWeights()


def save_weights(catalog: Catalog, weights: FusionWeights) -> None:
    catalog.set_setting(WEIGHTS_KEY, json.dumps(asdict(weights)))


def load_method(catalog: Catalog) -> str:
    return catalog.setting(METHOD_KEY) or "auto"


def save_method(catalog: Catalog, method: str) -> None:
    if catalog.setting(METHOD_KEY) != method:
        catalog.set_setting(METHOD_KEY, method)


def use_album_models(catalog: Catalog) -> bool:
    """Whether accepted albums' models get a second opinion (ALBUM_MODELS_KEY; "auto": imbalanced albums)."""
    choice = catalog.setting(ALBUM_MODELS_KEY) or "auto"
    if choice != "auto":
        return choice == "on"
    from album_app.catalog.extras import accepted_album_members

    sizes = [len(members) for members in accepted_album_members(catalog).values() if members]
    return len(sizes) >= 2 and max(sizes) >= IMBALANCE_RATIO * min(sizes)
