"""The one table of reasons: each formats with its evidence, and look-based confidence is a smooth step."""

from __future__ import annotations

import math
import string

import pytest

from album_app.albums.explain import REASONS, explain, margin_confidence, others_text


@pytest.mark.parametrize("key", sorted(REASONS))
def test_every_reason_formats_and_is_a_probability(key):
    fields = {name for _, name, _, _ in string.Formatter().parse(REASONS[key].text) if name}
    values = {name: 1.5 if name == "ratio" else "x" for name in fields}
    confidence, text = explain(key, **values)
    assert 0.0 <= confidence <= 1.0 and text and "{" not in text


def test_a_measured_confidence_overrides_the_table():
    dense = (0.93, "in a dense group of 4 photos close in time, place and look")
    assert explain("dense_group", 0.93, others=4) == dense
    assert explain("time_only", others=2)[0] == 0.85


def test_margin_confidence_is_half_at_the_limit_and_steep_away_from_it():
    assert margin_confidence(1.0, placed=True) == pytest.approx(0.5)
    assert margin_confidence(0.5, placed=True) == pytest.approx(1 / (1 + 0.5**4))
    for margin in (0.2, 0.9, 1.3, 3.0):
        assert margin_confidence(margin, placed=True) + margin_confidence(margin, placed=False) == pytest.approx(1.0)
    assert margin_confidence(math.inf, placed=False) is None


def test_others_text():
    assert others_text(1) == "no other photo" and others_text(3) == "only 2 other photos"
