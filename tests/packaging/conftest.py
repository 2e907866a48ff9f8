"""Registers the `packaging` marker; the shared helpers live in bundle_support.py."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "packaging: builds or runs the frozen bundle or a wheel (opt-in, slow)")
