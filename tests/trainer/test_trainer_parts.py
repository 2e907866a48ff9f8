"""Trainer pieces in-process: config, data loading, augmentation, model variants, losses, a few steps."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainer.encoder.config import RunConfig
from trainer.encoder.data import Augment, EpochSampler, PhotoSet, folder_photos, load_small, source_photos

torch = pytest.importorskip("torch")

from trainer.encoder import losses  # noqa: E402
from trainer.encoder.model import AutoEncoder  # noqa: E402
from trainer.encoder.train import EncoderTrainer  # noqa: E402

torch.set_num_threads(1)


def small_config(photo_tree: Path, variant: str = "plain") -> RunConfig:
    config = RunConfig()
    config.data.data = (str(photo_tree),)
    config.data.size = 32
    config.data.cache_side = 48
    config.model.variant = variant
    config.train.batch_size = 4
    config.validate()
    return config


def test_config_round_trips_and_validates() -> None:
    config = RunConfig()
    config.data.data = ("/photos",)
    config.model.widths = (8, 16, 32, 64)
    again = RunConfig.from_dict(config.to_dict())
    assert again == config
    assert RunConfig.from_dict({"data": {"data": "/one"}, "model": {"unknown_key": 1}}).data.data == ("/one",)
    with pytest.raises(ValueError, match="exactly one data source"):
        RunConfig().validate()
    config.model.variant = "magic"
    with pytest.raises(ValueError, match="unknown variant"):
        config.validate()


def test_folder_photos_recurse_and_label(photo_tree: Path) -> None:
    refs = folder_photos(photo_tree)
    assert len(refs) == 20
    assert {ref.label for ref in refs} == {"warm", "cool"}
    assert any("deeper" in ref.path for ref in refs)


def test_load_small_applies_exif_orientation(photo_tree: Path) -> None:
    ref = next(r for r in folder_photos(photo_tree) if r.path.endswith("w00.jpg"))
    with Image.open(ref.path) as raw:
        width, height = raw.size
    image = load_small(ref, side=32)
    # Orientation 6 turns the stored landscape into a portrait.
    assert (image.width < image.height) == (width > height)
    assert min(image.size) == 32 and image.mode == "RGB"


def test_a_catalog_source_trains_on_the_indexed_photos_upright(photo_tree: Path, tmp_path: Path) -> None:
    """`album-trainer train --library CATALOG`: the photos the app indexed, each upright by its EXIF orientation
    as the catalog recorded it, and nothing the scan skipped."""
    from album_app.cli import main as app

    (tmp_path / "photos").mkdir()
    for ref in folder_photos(photo_tree):
        if Path(ref.path).stem in {"w00", "w01", "w02", "c00", "c01", "c02"}:  # w00 is turned by its EXIF
            (tmp_path / "photos" / Path(ref.path).name).write_bytes(Path(ref.path).read_bytes())
    (tmp_path / "photos" / "notes.jpg").write_text("not a photo")  # skipped by the scan, so not trained on
    library = tmp_path / "library"
    scan = ["--library", str(library), "scan", str(tmp_path / "photos"), "--quiet", "--workers", "0", "--no-embed"]
    assert app(scan) == 0

    config = small_config(photo_tree)
    config.data.data, config.data.library = (), str(library / "catalog.db")
    refs = source_photos(config.data)
    assert sorted(Path(r.path).name for r in refs) == sorted(p.name for p in (tmp_path / "photos").glob("[wc]*.jpg"))
    assert {Path(r.path).name: r.orientation for r in refs}["w00.jpg"] == 6  # the catalog's, not re-read
    photos = PhotoSet.load(config.data, threads=1)
    assert len(photos) == 6 and photos.describe() == {"library": config.data.library, "photos": 6}
    turned = photos.images[[Path(r.path).name for r in photos.refs].index("w00.jpg")]
    with Image.open(tmp_path / "photos" / "w00.jpg") as raw:
        assert (turned.width < turned.height) == (raw.width > raw.height)  # orientation 6 turns it


def test_augment_gives_model_sized_rgb_views(photo_tree: Path) -> None:
    config = small_config(photo_tree).data
    augment = Augment(config, random.Random(0))
    image = load_small(folder_photos(photo_tree)[0], 48)
    views = [augment(image) for _ in range(10)]
    assert all(view.size == (32, 32) and view.mode == "RGB" for view in views)
    assert len({view.tobytes() for view in views}) == 10


def test_pair_batch_and_sampler(photo_tree: Path) -> None:
    photos = PhotoSet.load(small_config(photo_tree).data, threads=1)
    a, b = photos.pair_batch([0, 1, 2], random.Random(0))
    assert a.shape == b.shape == (3, 3, 32, 32) and a.dtype == np.float32
    assert not np.allclose(a, b)
    sampler = EpochSampler(len(photos), 4, seed=0)
    first_epoch = [i for step in range(5) for i in sampler.batch(step)]
    assert sorted(first_epoch) == list(range(20))
    assert sampler.batch(5) != sampler.batch(0)


def test_nt_xent_prefers_matching_views() -> None:
    a = torch.randn(16, 8)
    assert losses.nt_xent(a, a + 0.01 * torch.randn(16, 8), 0.2) < losses.nt_xent(a, torch.randn(16, 8), 0.2)
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    assert float(losses.kl_divergence(mu, logvar)) == 0.0


@pytest.mark.parametrize("variant", ["plain", "denoising", "variational"])
def test_variants_share_one_code_path(photo_tree: Path, tmp_path: Path, variant: str) -> None:
    config = small_config(photo_tree, variant)
    model = AutoEncoder(config.model)
    out = model(torch.randn(6, 3, 32, 32))
    assert out["code"].shape == (6, config.model.code_size)
    assert out["proj"].shape == (6, config.model.proj_size)
    assert out["recon"].shape == model.recon_target(torch.zeros(6, 3, 32, 32)).shape
    assert (out["logvar"] is not None) == (variant == "variational")
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    # The exported encoder is deterministic in eval mode and returns the mean code.
    assert torch.equal(model.encoder(x), model.encoder(x))
    assert torch.allclose(model.encoder(x), model(x)["code"])

    config.train.max_steps = 2
    photos = PhotoSet.load(config.data, threads=1)
    trainer = EncoderTrainer(config, photos, tmp_path / "run")
    seen = []
    trainer.add_callback("on_batch_end", lambda t: seen.append((t.step, t.last_loss)))
    assert trainer.run() == "max_steps"
    assert [step for step, _ in seen] == [1, 2] and all(np.isfinite(loss) for _, loss in seen)
    assert ("kl" in trainer.parts) == (variant == "variational")
    assert (tmp_path / "run" / "checkpoint.pt").is_file()


def multicrop_config(photo_tree: Path) -> RunConfig:
    """The default recipe's shape, scaled down: trained at 32 px with 16 px details, used at 48 px."""
    config = small_config(photo_tree)
    config.data.size, config.data.train_size, config.data.cache_side = 48, 32, 64
    config.data.local_views, config.data.local_size, config.data.bn_recalibration = 2, 16, 8
    config.model.pool, config.model.widths, config.model.extra_convs = "gem", (8, 16), (1, 1)
    config.model.decoder_widths, config.model.recon_side, config.model.proj_hidden = (16, 8), 16, 32
    config.loss.objective, config.train.optimizer, config.train.weight_decay = "multicrop", "adamw", 1e-4
    config.validate()
    return config


def test_multicrop_batch_cuts_global_clean_and_detail_views(photo_tree: Path) -> None:
    config = multicrop_config(photo_tree)
    photos = PhotoSet.load(config.data, threads=1)
    changed, framed, details = photos.multicrop_batch([0, 1, 2], random.Random(0))
    assert changed.shape == framed.shape == (6, 3, 32, 32) and details.shape == (6, 3, 16, 16)
    assert not np.allclose(changed, framed)  # the photometric changes act on the same framings
    assert photos.clean_pixels([0]).shape == (1, 48, 48, 3)  # the app's input side, not the training one


def test_multicrop_training_recalibrates_batchnorm_at_the_input_side(photo_tree: Path, tmp_path: Path) -> None:
    config = multicrop_config(photo_tree)
    config.train.max_steps = 3
    photos = PhotoSet.load(config.data, threads=1)
    trainer = EncoderTrainer(config, photos, tmp_path / "run")
    assert trainer.run() == "max_steps" and np.isfinite(trainer.last_loss)
    assert set(trainer.parts) == {"contrastive", "recon"}
    assert 1.0 <= float(trainer.model.encoder.pool.p.detach()) <= 8.0  # kept in range after each step
    norm = trainer.model.encoder.features[0][1]
    before = norm.running_mean.clone()
    trainer.recalibrate_batchnorm(config.data.bn_recalibration)
    assert not torch.equal(before, norm.running_mean) and norm.momentum == 0.1
    assert int(norm.num_batches_tracked) == 1  # one batch of 8 clean photos at 48 px
    codes = trainer.embed(photos.clean_pixels(range(4)))
    assert codes.shape == (4, config.model.code_size)


def test_held_out_groups_are_left_out_of_training(photo_tree: Path) -> None:
    config = small_config(photo_tree)
    everything = source_photos(config.data)
    group = Path(everything[0].path).relative_to(photo_tree).parts[0]
    config.data.exclude = (group,)
    kept = source_photos(config.data)
    assert kept and len(kept) < len(everything)
    assert all(Path(ref.path).relative_to(photo_tree).parts[0] != group for ref in kept)


def test_the_default_recipe_validates_and_the_cli_reads_it(tmp_path: Path) -> None:
    import json

    from trainer.cli import build_parser, config_from_args

    root = Path(__file__).resolve().parents[2]
    held = tmp_path / "held.json"
    held.write_text(json.dumps({"held_out": ["a/b"]}))
    args = build_parser().parse_args(
        ["train", "--recipe", str(root / "trainer/encoder/recipes/default.json"), "--data", "/photos",
         "--exclude-from", str(held), "--out", str(tmp_path / "run"), "--max-steps", "5"]
    )
    config = config_from_args(args)
    config.validate()
    assert config.loss.objective == "multicrop" and config.model.pool == "gem" and config.data.size == 112
    assert config.data.exclude == ("a/b",) and config.train.max_steps == 5  # a flag wins over the recipe
