"""Search and filters: a query parser and an in-memory index over every photo (pure: no Qt, no SQL).

A query is words and phrases, combined with AND across kinds:

- free words: a place (town, region, country), a camera or an album name starting with them —
  "lis" finds Lisbon; "new york" needs both words; "\"new york\"" is one phrase;
- ``place:``, ``camera:``, ``album:`` limit a word to one of those;
- dates: "2024", "Apr 2024", "12 Apr 2024", "12–15 Apr 2024", "30 Apr – 2 May 2024", "Apr–May 2024",
  "2023–2024", "2024-04-12", "2024-04", "2024-04-12..2024-04-20"; two dates in a query mean either;
- album kinds: "accepted", "suggested", "edited", "mine" (albums you made), or ``kind:accepted``;
- flags: "unsorted", "screenshots", "no exif time" (no trusted camera time), "undated" (no date at all);
  a leading "-" or "not" turns a flag round: "2024 -screenshots".

Words that cannot be read are kept in ``Query.problems`` so the search bar can say so. The index is built
once per library snapshot in a worker (place names take a second at 100k photos the first time); a
search is a few numpy masks, milliseconds at 100k photos.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from album_app.catalog.search import NO_DAY, PhotoTable
from album_app.services.places import PlaceNames, normalise

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {calendar.month_name[number].lower(), calendar.month_abbr[number].lower()}
}
MONTHS["sept"] = 9
KINDS = ("accepted", "suggested", "edited", "mine")
#: File names screenshots get from phones and desktops (the file-name date rules know most of them).
SCREENSHOT_NAME = re.compile(
    r"screen[\s_-]?shot|bildschirmfoto|capture d.?[ée]cran|schermata|captura de pantalla|スクリーンショット",
    re.IGNORECASE,
)
FLAG_WORDS = {
    ("unsorted",): "unsorted",
    ("screenshot",): "screenshots",
    ("screenshots",): "screenshots",
    ("no", "exif", "time"): "no_exif_time",
    ("no", "exif"): "no_exif_time",
    ("undated",): "undated",
    ("no", "date"): "undated",
}
FLAG_LABELS = {
    "unsorted": "Unsorted",
    "screenshots": "screenshots",
    "no_exif_time": "no EXIF time",
    "undated": "undated",
}
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    def days(self) -> tuple[int, int]:
        return (self.start - EPOCH).days, (self.end - EPOCH).days


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()  # each must match a place, camera or album name (normalised)
    places: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    albums: tuple[str, ...] = ()
    dates: tuple[DateRange, ...] = ()
    kinds: frozenset[str] = frozenset()
    flags: Mapping[str, bool] = field(default_factory=dict)  # flag -> wanted (False: "-screenshots")
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.places or self.cameras or self.albums or self.dates or self.kinds or self.flags)


# -- parsing -------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<quoted>"[^"]*"?)
      | (?P<iso>\d{4}-\d{1,2}(?:-\d{1,2})?)(?![\d-])
      | (?P<number>\d+)
      | (?P<dash>[–—]|\.\.|-(?=\s|\d|$))
      | (?P<word>[^\s",–—]+)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "quoted":
            value = value.strip('"')
        elif kind == "word" and value.lower() == "to":
            kind = "dash"
        out.append(_Token(kind, value))
    return out


def _month(token: _Token | None) -> int | None:
    return MONTHS.get(token.text.lower().rstrip(".")) if token is not None and token.kind == "word" else None


def _year(token: _Token | None) -> int | None:
    if token is not None and token.kind == "number" and len(token.text) == 4 and 1800 <= int(token.text) <= 2200:
        return int(token.text)
    return None


def _day_number(token: _Token | None) -> int | None:
    if token is not None and token.kind == "number" and 1 <= int(token.text) <= 31 and len(token.text) <= 2:
        return int(token.text)
    return None


@dataclass(frozen=True)
class _Partial:
    """A date as written, maybe missing its year (the left side of "12–15 Apr 2024")."""

    year: int | None
    month: int | None
    day: int | None

    def complete(self, other: _Partial) -> _Partial:
        """Fill what is missing from the right side of a range (its month only when this has a day)."""
        month = self.month if self.month is not None else (other.month if self.day is not None else None)
        return _Partial(self.year if self.year is not None else other.year, month, self.day)

    def span(self) -> DateRange | None:
        if self.year is None:
            return None
        try:
            if self.month is None:
                return DateRange(date(self.year, 1, 1), date(self.year, 12, 31))
            if self.day is None:
                last = calendar.monthrange(self.year, self.month)[1]
                return DateRange(date(self.year, self.month, 1), date(self.year, self.month, last))
            day = date(self.year, self.month, self.day)
        except ValueError:  # 31 Feb
            return None
        return DateRange(day, day)


def _partial_at(tokens: list[_Token], i: int) -> tuple[_Partial, int] | None:
    """A date (or the start of one) at tokens[i]: ISO, "12 Apr 2024", "Apr 12 2024", "Apr 2024", "2024",
    and without a year "12 Apr", "Apr", "12" (only used as the left side of a range)."""
    at = tokens[i] if i < len(tokens) else None
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    third = tokens[i + 2] if i + 2 < len(tokens) else None
    if at is None:
        return None
    if at.kind == "iso":
        parts = [int(p) for p in at.text.split("-")]
        return _Partial(parts[0], parts[1], parts[2] if len(parts) > 2 else None), i + 1
    if (day := _day_number(at)) is not None and (month := _month(nxt)) is not None:
        return _Partial(_year(third), month, day), i + (3 if _year(third) else 2)
    if (month := _month(at)) is not None:
        if (day := _day_number(nxt)) is not None and _year(third) is not None:
            return _Partial(_year(third), month, day), i + 3
        return _Partial(_year(nxt), month, None), i + (2 if _year(nxt) else 1)
    if (year := _year(at)) is not None:
        return _Partial(year, None, None), i + 1
    if (day := _day_number(at)) is not None:
        return _Partial(None, None, day), i + 1
    return None


INVALID = DateRange(date.max, date.min)  # what _date_at finds for a date no calendar has


def _date_at(tokens: list[_Token], i: int) -> tuple[DateRange, int] | None:
    """A date or a range of dates starting at tokens[i], with how far it reaches (INVALID: "31 Feb")."""
    first = _partial_at(tokens, i)
    if first is None:
        return None
    left, after = first
    if after < len(tokens) and tokens[after].kind == "dash":
        second = _partial_at(tokens, after + 1)
        if second is not None and second[0].year is not None:
            right, end = second
            start_span, end_span = left.complete(right).span(), right.span()
            if start_span is not None and end_span is not None and start_span.start <= end_span.end:
                return DateRange(start_span.start, end_span.end), end
    span = left.span()
    if span is None and None not in (left.year, left.month, left.day):
        return INVALID, after  # "31 Feb 2024": a date, but no day
    return (span, after) if span is not None else None


def _flag_at(words: list[str], i: int) -> tuple[str, int] | None:
    for phrase, flag in sorted(FLAG_WORDS.items(), key=lambda item: -len(item[0])):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return flag, i + len(phrase)
    return None


def parse_query(text: str) -> Query:
    tokens = _tokens(text)
    lowered = [t.text.lower() for t in tokens]
    words: list[str] = []
    keyed: dict[str, list[str]] = {"place": [], "camera": [], "album": []}
    dates: list[DateRange] = []
    kinds: set[str] = set()
    flags: dict[str, bool] = {}
    problems: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        negated = token.kind == "word" and (lowered[i] == "not" or token.text.startswith("-"))
        if negated and lowered[i] != "not":
            lowered[i] = lowered[i][1:]
        start = i + 1 if lowered[i] == "not" else i
        flag = _flag_at(lowered, start)
        if flag is not None:
            flags[flag[0]] = not negated
            i = flag[1]
            continue
        if token.kind == "dash":
            i += 1
            continue
        if negated:  # only flags turn round: "-lisbon" would need a second kind of word
            problems.append(token.text)
            i += 1
            continue
        found = _date_at(tokens, i)
        if found is not None:
            if found[0] is INVALID:
                problems.append(" ".join(t.text for t in tokens[i : found[1]]))
            else:
                dates.append(found[0])
            i = found[1]
            continue
        key, _, value = token.text.partition(":")
        key = key.lower()
        if token.kind == "word" and not value and token.text.endswith(":") and i + 1 < len(tokens):
            value = tokens[i + 1].text  # place:"New York"
            i += 1
        if token.kind == "word" and value and key in (*keyed, "date", "kind", "is"):
            if key in keyed:
                keyed[key].append(normalise(value))
            elif key in ("kind", "is") and value.lower() in KINDS:
                kinds.add(value.lower())
            elif key in ("kind", "is") and (flag := _flag_at([value.lower()], 0)) is not None:
                flags[flag[0]] = True
            elif key == "date" and (value_date := _date_at(_tokens(value), 0)) not in (None, INVALID):
                dates.append(value_date[0])
            else:
                problems.append(token.text)
        elif token.kind == "word" and lowered[i] in KINDS:
            kinds.add(lowered[i])
        elif normalise(token.text):
            words.append(normalise(token.text))
        i += 1
    return Query(
        words=tuple(words),
        places=tuple(p for p in keyed["place"] if p),
        cameras=tuple(c for c in keyed["camera"] if c),
        albums=tuple(a for a in keyed["album"] if a),
        dates=tuple(dates),
        kinds=frozenset(kinds),
        flags=flags,
        problems=tuple(problems),
    )


# -- the index -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlbumFacts:
    """What search knows of an album: its name and kind. ``id`` None is Unsorted."""

    id: int | None
    name: str
    kind: str  # accepted, suggested, edited, mine, or "" for Unsorted


def album_kind(locked: bool, suggested: bool, made_by_user: bool) -> str:
    if locked:
        return "accepted"
    if made_by_user:
        return "mine"
    return "suggested" if suggested else "edited"


class _Vocabulary:
    """Distinct names, normalised once; which of them a word or phrase starts (at a word boundary)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self._padded = [" " + normalise(n) for n in self.names]
        self._cache: dict[str, np.ndarray] = {}

    def hits(self, text: str) -> np.ndarray:
        """A boolean per name, plus a False at the end for "no name" (index -1)."""
        found = self._cache.get(text)
        if found is None:
            needle = " " + text
            found = np.array([needle in padded for padded in self._padded] + [False], bool)
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[text] = found
        return found


@dataclass
class SearchIndex:
    """Every photo's searchable facts, in the table's time order."""

    photo_ids: np.ndarray
    days: np.ndarray
    exif_time: np.ndarray
    screenshot: np.ndarray
    album: np.ndarray  # index into albums (-1: in no album the snapshot lists)
    albums: list[AlbumFacts]
    place_columns: tuple[np.ndarray, ...]  # city, state, country: indices into places
    camera: np.ndarray
    places: _Vocabulary = field(repr=False)
    cameras: _Vocabulary = field(repr=False)
    album_names: _Vocabulary = field(repr=False)

    @classmethod
    def build(
        cls, table: PhotoTable, names: PlaceNames, albums: Sequence[AlbumFacts], album_of: Mapping[int, int | None]
    ) -> SearchIndex:
        """``album_of``: photo id → album id (None: Unsorted), as the window's snapshot has it."""
        position = {a.id: k for k, a in enumerate(albums)}
        album = np.array([position.get(album_of.get(p, -1), -1) for p in table.ids.tolist()], np.int32)
        screenshot = np.array(
            [
                bool(SCREENSHOT_NAME.search(path.rsplit("/", 1)[-1]))
                or (fmt == "PNG" and camera < 0 and not exif)
                for path, fmt, camera, exif in zip(
                    table.paths, table.formats, table.camera.tolist(), table.exif_time.tolist(), strict=True
                )
            ],
            bool,
        )
        return cls(
            photo_ids=table.ids,
            days=table.days,
            exif_time=table.exif_time,
            screenshot=screenshot,
            album=album,
            albums=list(albums),
            place_columns=(names.city, names.state, names.country),
            camera=table.camera,
            places=_Vocabulary(names.vocabulary),
            cameras=_Vocabulary(table.cameras),
            album_names=_Vocabulary([a.name for a in albums]),
        )

    def __len__(self) -> int:
        return len(self.photo_ids)

    def _names_match(self, text: str, fields: Sequence[str]) -> np.ndarray:
        mask = np.zeros(len(self), bool)
        if "place" in fields:
            hits = self.places.hits(text)
            for column in self.place_columns:
                mask |= hits[column]
        if "camera" in fields:
            mask |= self.cameras.hits(text)[self.camera]
        if "album" in fields:
            mask |= self.album_names.hits(text)[self.album]
        return mask

    def mask(self, query: Query) -> np.ndarray:
        """Which photos match (all of them for an empty query)."""
        mask = np.ones(len(self), bool)
        for word in query.words:
            mask &= self._names_match(word, ("place", "camera", "album"))
        for texts, where in ((query.places, "place"), (query.cameras, "camera"), (query.albums, "album")):
            if texts:
                mask &= np.logical_or.reduce([self._names_match(t, (where,)) for t in texts])
        if query.dates:
            dated = self.days != NO_DAY
            within = np.zeros(len(self), bool)
            for span in query.dates:
                first, last = span.days()
                within |= dated & (self.days >= first) & (self.days <= last)
            mask &= within
        if query.kinds:
            wanted = np.array([a.kind in query.kinds for a in self.albums] + [False], bool)
            mask &= wanted[self.album]
        unsorted = np.array([a.id is None for a in self.albums] + [True], bool)[self.album]
        facts = {
            "unsorted": unsorted,
            "screenshots": self.screenshot,
            "no_exif_time": ~self.exif_time,
            "undated": self.days == NO_DAY,
        }
        for flag, wanted_flag in query.flags.items():
            mask &= facts[flag] if wanted_flag else ~facts[flag]
        return mask

    def search(self, query: Query | str) -> list[int]:
        """Matching photo ids in time order."""
        parsed = parse_query(query) if isinstance(query, str) else query
        return self.photo_ids[self.mask(parsed)].tolist()

    def on_this_day(self, today: date, *, years_back: int = 100) -> dict[int, list[int]]:
        """Photos taken on today's month and day in earlier years: {year: photo ids}, latest year first."""
        dated = self.days != NO_DAY
        days = self.days[dated].astype("datetime64[D]")
        years = days.astype("datetime64[Y]").astype(int) + 1970
        months = days.astype("datetime64[M]").astype(int) % 12 + 1
        month_days = (days - days.astype("datetime64[M]")).astype(int) + 1
        chosen = (months == today.month) & (month_days == today.day) & (years < today.year)
        chosen &= years >= today.year - years_back
        ids = self.photo_ids[dated][chosen]
        out: dict[int, list[int]] = {}
        for year in sorted(set(years[chosen].tolist()), reverse=True):
            out[year] = ids[years[chosen] == year].tolist()
        return out


def describe(query: Query) -> str:
    """The query as the search bar says it back: "Lisbon · Apr 2024 · accepted · not screenshots"."""
    parts = [*query.words, *(f"place {p}" for p in query.places), *(f"camera {c}" for c in query.cameras)]
    parts += [f"album {a}" for a in query.albums]
    for span in query.dates:
        parts.append(_span_text(span))
    parts += sorted(query.kinds)
    parts += [FLAG_LABELS[f] if wanted else f"not {FLAG_LABELS[f]}" for f, wanted in query.flags.items()]
    return " · ".join(parts)


def _span_text(span: DateRange) -> str:
    from album_app.albums.naming import format_date_range

    start, end = span.start, span.end
    if start == date(start.year, 1, 1) and end == date(end.year, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    month_end = (date(end.year, end.month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if start.day == 1 and end == month_end:
        first, last = f"{calendar.month_abbr[start.month]} {start.year}", f"{calendar.month_abbr[end.month]} {end.year}"
        if first == last:
            return first
        return f"{first.split()[0]} – {last}" if start.year == end.year else f"{first} – {last}"
    return format_date_range(start, end)
