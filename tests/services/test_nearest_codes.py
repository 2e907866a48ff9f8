"""More like this: cosine nearest neighbours over normalised codes, chunked, against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest

from album_app.services.similar import CodeIndex


def brute_force(codes: np.ndarray, queries: list[int], limit: int) -> tuple[np.ndarray, np.ndarray]:
    unit = codes / np.linalg.norm(codes, axis=1, keepdims=True)
    scores = (unit @ unit[queries].T).max(axis=1)
    scores[queries] = -np.inf
    order = np.lexsort((np.arange(len(codes)), -scores))[:limit]
    return order, scores[order]


@pytest.mark.parametrize("queries", [[3], [3, 40, 41]])
@pytest.mark.parametrize("chunk", [7, 64, 100_000])
def test_matches_brute_force_whatever_the_chunk(queries, chunk):
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(300, 16)).astype(np.float32) * rng.uniform(0.1, 5, (300, 1)).astype(np.float32)
    ids = np.arange(1000, 1300)
    found = CodeIndex(ids, codes).neighbours([int(ids[q]) for q in queries], limit=25, chunk=chunk)
    expected_rows, expected_scores = brute_force(codes.astype(np.float64), queries, 25)
    assert found.photo_ids.tolist() == (ids[expected_rows]).tolist()
    np.testing.assert_allclose(found.similarity, expected_scores, atol=1e-5)
    assert np.all(np.diff(found.similarity) <= 1e-7)  # most alike first


def test_scale_does_not_matter_and_the_query_is_left_out():
    base = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]], np.float32)
    index = CodeIndex([1, 2, 3, 4], base)
    found = index.neighbours([1])
    assert found.photo_ids.tolist() == [2, 3, 4]  # 2 points almost the same way as 1, however long it is
    assert found.at_least(0.5) == [2]
    assert found.at_least(-1.0) == [2, 3, 4]


def test_photos_without_a_code_or_a_zero_code():
    index = CodeIndex([1, 2, 3], np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.1]], np.float32))
    assert index.neighbours([99]).photo_ids.tolist() == []  # not in the index: nothing to compare with
    assert index.neighbours([1]).photo_ids.tolist() == [3]  # the zero code matches nothing
    assert index.neighbours([2]).photo_ids.tolist() == []


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="codes of shape"):
        CodeIndex([1, 2], np.zeros((3, 4)))
