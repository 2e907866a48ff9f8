"""The search query parser: dates in the forms people write, keyed words, kinds and flags, and what it cannot read."""

from __future__ import annotations

from datetime import date

import pytest

from album_app.services.search import DateRange, describe, parse_query


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("Apr 2024", date(2024, 4, 1), date(2024, 4, 30)),
        ("april 2024", date(2024, 4, 1), date(2024, 4, 30)),
        ("Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),  # a leap year
        ("12 Apr 2024", date(2024, 4, 12), date(2024, 4, 12)),
        ("April 12, 2024", date(2024, 4, 12), date(2024, 4, 12)),
        ("12–15 Apr 2024", date(2024, 4, 12), date(2024, 4, 15)),
        ("12-15 Apr 2024", date(2024, 4, 12), date(2024, 4, 15)),
        ("30 Apr – 2 May 2024", date(2024, 4, 30), date(2024, 5, 2)),
        ("28 Dec 2023 – 3 Jan 2024", date(2023, 12, 28), date(2024, 1, 3)),
        ("Apr–May 2024", date(2024, 4, 1), date(2024, 5, 31)),
        ("Nov 2023 to Feb 2024", date(2023, 11, 1), date(2024, 2, 29)),
        ("2023–2024", date(2023, 1, 1), date(2024, 12, 31)),
        ("2024-04-12", date(2024, 4, 12), date(2024, 4, 12)),
        ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
        ("2024-04-12..2024-04-20", date(2024, 4, 12), date(2024, 4, 20)),
        ("date:2024-05", date(2024, 5, 1), date(2024, 5, 31)),
    ],
)
def test_dates_as_people_write_them(text, start, end):
    query = parse_query(text)
    assert query.dates == (DateRange(start, end),)
    assert query.words == () and query.problems == ()


def test_words_keys_kinds_and_flags_combine():
    query = parse_query('lisbon camera:iPhone place:"New York" album:trip accepted unsorted Apr 2024 -screenshots')
    assert query.words == ("lisbon",)
    assert query.cameras == ("iphone",) and query.places == ("new york",) and query.albums == ("trip",)
    assert query.kinds == {"accepted"}
    assert query.flags == {"unsorted": True, "screenshots": False}
    assert query.dates == (DateRange(date(2024, 4, 1), date(2024, 4, 30)),)


@pytest.mark.parametrize(
    ("text", "flag", "wanted"),
    [
        ("no EXIF time", "no_exif_time", True),
        ("no exif", "no_exif_time", True),
        ("undated", "undated", True),
        ("not undated", "undated", False),
        ("screenshots", "screenshots", True),
        ("is:screenshot", "screenshots", True),
        ("-unsorted", "unsorted", False),
    ],
)
def test_flags(text, flag, wanted):
    assert parse_query(text).flags == {flag: wanted}


def test_accents_case_and_punctuation_are_ignored_in_words():
    assert parse_query("Saint-Étienne").words == ("saint etienne",)
    assert parse_query("ZÜRICH").words == ("zurich",)


def test_numbers_that_are_not_dates_stay_words():
    query = parse_query("iphone 12")
    assert query.words == ("iphone", "12") and query.dates == ()
    assert parse_query("may").words == ("may",)  # a month alone could be a place's start: no year, no date


def test_what_cannot_be_read_is_said_not_guessed():
    query = parse_query("31 Feb 2024 lisbon -porto kind:sideways")
    assert query.dates == ()
    assert query.words == ("lisbon",)
    assert query.problems == ("31 Feb 2024", "-porto", "kind:sideways")


def test_empty_and_description():
    assert parse_query("   ").empty
    assert describe(parse_query("lisbon 12–15 Apr 2024 accepted -screenshots")) == (
        "lisbon · 12–15 Apr 2024 · accepted · not screenshots"
    )
    assert describe(parse_query("2023–2024")) == "2023–2024"
    assert describe(parse_query("Apr–May 2024")) == "Apr – May 2024"
