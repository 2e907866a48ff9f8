"""The published-model pointer: the trainer moves it, the app follows it, rollback moves it back."""

from __future__ import annotations

import shutil

import pytest

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model, model_history
from album_app.library import resolve_library
from album_app.models import published
from album_app.models.active import open_active_encoder
from album_app.models.encoder import default_model_path, read_contract


def publish_copy_of_default(paths) -> str:
    """Stand-in for the trainer's publish: the bundled model under its own id in models/."""
    model_id = read_contract(default_model_path()).model_id
    paths.models.mkdir(parents=True, exist_ok=True)
    shutil.copy(default_model_path(), paths.models / f"{model_id}.onnx")
    published.write_json_atomically(paths.models / f"{model_id}.json", {"figures": {"placed": 0.7}})
    published.point_to(paths, model_id)
    return model_id


def test_pointer_history_and_rollback(library):
    paths = resolve_library(library)
    assert published.current(paths) is None
    model_id = publish_copy_of_default(paths)
    assert published.current(paths).model_id == model_id
    assert published.previous_model(paths) == published.BUNDLED
    published.point_to(paths, published.previous_model(paths))
    assert published.current(paths).path is None
    assert published.previous_model(paths) == model_id
    with pytest.raises(FileNotFoundError):
        published.point_to(paths, "0123456789abcdef")


def test_app_picks_up_a_published_model_and_records_it(library):
    paths = resolve_library(library)
    with Catalog(paths) as catalog:
        model_id = publish_copy_of_default(paths)
        encoder, warnings = open_active_encoder(catalog)
        assert warnings == []
        assert encoder.path == paths.models / f"{model_id}.onnx"
        record = active_model(catalog)
        assert record is not None and record.source == "trained" and record.summary == {"figures": {"placed": 0.7}}
        assert [m.id for m in model_history(catalog)] == [model_id]


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1]",
        '{"model_id": 3}',
        '{"model_id": ["x"], "path": "models/x.onnx"}',
        '{"model_id": "abc", "path": 5}',
        '{"model_id": "abc", "path": "../../elsewhere/abc.onnx"}',
    ],
)
def test_a_malformed_pointer_reads_as_none_and_is_replaced_by_the_next_publish(library, text):
    """The read side never fails on models/current.json: a malformed one counts as no pointer (the catalog's
    active model, else the bundled one, stays in use), and never points outside models/."""
    paths = resolve_library(library)
    paths.models.mkdir(parents=True, exist_ok=True)
    (paths.models / published.POINTER).write_text(text)
    assert published.current(paths) is None and published.read_pointer(paths) is None
    with Catalog(paths) as catalog:
        encoder, warnings = open_active_encoder(catalog, activate=False)
    assert encoder.path == default_model_path() and warnings == []
    with pytest.raises(published.PointerError, match=r"current\.json"):
        published.previous_model(paths)  # the trainer's rollback says so instead of guessing
    model_id = publish_copy_of_default(paths)
    assert published.current(paths).model_id == model_id and published.previous_model(paths) == published.BUNDLED


def test_a_malformed_history_is_dropped_by_the_next_pointer_move(library):
    paths = resolve_library(library)
    model_id = publish_copy_of_default(paths)
    pointer = paths.models / published.POINTER
    pointer.write_text(pointer.read_text().replace('"history": []', '"history": ["oops"]'))
    assert published.current(paths).model_id == model_id  # the model it points at is still read
    with pytest.raises(published.PointerError, match="history"):
        published.previous_model(paths)
    published.point_to(paths, published.BUNDLED)
    assert published.previous_model(paths) == model_id
