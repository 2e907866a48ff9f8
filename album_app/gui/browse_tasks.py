"""Worker jobs for the browsing views (places map, timeline, search, more like this): plain values, no widgets.

Each takes a JobContext first (gui.workers) and runs off the GUI thread on the reader catalog; the views
take what they return in milliseconds. One read feeds the map, the timeline and search, so they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model, load_codes
from album_app.catalog.search import PhotoTable, photo_table
from album_app.gui.snapshot import LibrarySnapshot
from album_app.gui.views.places_map import world_outlines
from album_app.gui.views.timeline_layout import TimelineData
from album_app.gui.workers import JobContext
from album_app.services.places import PlaceClusters, PlaceNames, place_names
from album_app.services.search import AlbumFacts, SearchIndex, album_kind
from album_app.services.similar import CodeIndex, Neighbours


@dataclass
class BrowseData:
    """What the browsing views show of one snapshot of the library."""

    table: PhotoTable = field(default_factory=PhotoTable)
    names: PlaceNames = field(default_factory=PlaceNames)
    places: PlaceClusters = field(default_factory=PlaceClusters)
    timeline: TimelineData = field(default_factory=TimelineData)
    search: SearchIndex | None = None
    album_names: dict[int | None, str] = field(default_factory=dict)
    today: date | None = None  # the day on_this_day was found for
    on_this_day: dict[int, list[int]] = field(default_factory=dict)  # year -> photo ids, latest year first

    def place_of(self, photo_id: int) -> str:
        """A photo's place in words ("Lisbon, Portugal"), "" without one."""
        index = self.places.indices_of([photo_id])
        return self.places.names.label(int(index[0])) if len(index) and len(self.places.names.city) else ""


def album_facts(catalog: Catalog, snapshot: LibrarySnapshot) -> list[AlbumFacts]:
    """The snapshot's albums with their kind (made by the user or suggested: the catalog's origin)."""
    from album_app.catalog.albums import load_albums

    origin = {row.id: row.origin for row in load_albums(catalog, include_rejected=False)}
    return [
        AlbumFacts(a.id, a.name, "" if a.is_unsorted else album_kind(a.locked, a.suggested, origin.get(a.id) == "user"))
        for a in snapshot.albums
    ]


def load_browse(ctx: JobContext, snapshot: LibrarySnapshot, today: date | None = None) -> BrowseData:
    """The photo table, place names (a second the first time at 100k photos, then cached), map markers for
    every zoom level, the timeline's days, the search index and (given ``today``) the photos taken on this
    day in earlier years; also readies the map's outlines."""
    table = photo_table(ctx.catalog)
    ctx.check()
    names = place_names(table.lat, table.lon)
    ctx.check()
    album_of = snapshot.album_of_photo()
    album_names = {a.id: a.name for a in snapshot.albums}
    places = PlaceClusters.build(table.ids, table.lat, table.lon, names)
    places.indices_of([])  # builds its photo → index look-up here (30 ms at 100k), not on the GUI thread
    timeline = TimelineData.build(table, album_of, album_names)
    search = SearchIndex.build(table, names, album_facts(ctx.catalog, snapshot), album_of)
    world_outlines().prepare()  # QPolygonF is a value type: built here, painted on the GUI thread
    earlier = search.on_this_day(today) if today is not None else {}
    return BrowseData(table, names, places, timeline, search, album_names, today, earlier)


def load_code_index(ctx: JobContext) -> CodeIndex | None:
    """The codes of the model in use, normalised for "more like this"; None before any photo is embedded."""
    record = active_model(ctx.catalog)
    if record is None:
        return None
    ids, codes = load_codes(ctx.catalog, record.id)
    return CodeIndex(ids, codes, record.id) if ids else None


def find_similar(ctx: JobContext, codes: CodeIndex, photo_ids: Sequence[int]) -> Neighbours:
    """The photos most like any of ``photo_ids`` (the codes were read before: no catalog needed)."""
    return codes.neighbours(photo_ids)
