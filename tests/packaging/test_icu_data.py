"""packaging/icu_data.py: the bundle's cut-down ICU data reads back, links, and serves Qt as the full data did.

Fast (about a second) and always on where PySide6 carries ICU (Linux wheels) and binutils can link.
"""

from __future__ import annotations

import shutil
import sys

import pytest
from bundle_support import REPO
from icu_probe import qt_icu_answers, qt_icu_library

sys.path.insert(0, str(REPO / "packaging"))
import icu_data

LIBRARY = qt_icu_library()
needs_qt_icu = pytest.mark.skipif(LIBRARY is None, reason="this PySide6 carries no libicudata.so")


def test_what_goes_and_what_stays():
    for name in (
        "brkitr/word.brk",
        "translit/root.res",
        "curr/de.res",
        "lang/fr.res",
        "region/ja.res",
        "unit/en.res",
        "rbnf/en.res",
        "zone/de.res",
        "unames.icu",
        "ibm-943_P15A-2003.cnv",
        "rfc3491.spp",
    ):
        assert icu_data.dropped(f"icudt73l/{name}"), name
    for name in (
        "coll/ucadata.icu",
        "coll/de.res",
        "coll/root.res",
        "coll/res_index.res",
        "root.res",
        "de.res",
        "pool.res",
        "res_index.res",
        "zoneinfo64.res",
        "metaZones.res",
        "supplementalData.res",
        "likelySubtags.res",
        "cnvalias.icu",
        "nfkc.nrm",
        "zone/root.res",
        "zone/pool.res",
    ):
        assert not icu_data.dropped(f"icudt73l/{name}"), name


@needs_qt_icu
def test_the_package_reads_back_byte_for_byte():
    symbol = icu_data.data_symbol(LIBRARY)
    assert symbol is not None and symbol.name.startswith("icudt")
    blob = LIBRARY.read_bytes()[symbol.offset : symbol.offset + symbol.size]
    package = icu_data.read_package(blob)
    assert len(package.items) > 1000
    assert icu_data.write_package(package) == blob
    reduced = icu_data.read_package(icu_data.write_package(icu_data.reduce_package(package)))
    assert [name for name, _ in reduced.items] == [name for name, _ in package.items if not icu_data.dropped(name)]
    assert dict(reduced.items).items() <= dict(package.items).items()  # what stays is unchanged


@needs_qt_icu
@pytest.mark.skipif(not (shutil.which("as") and shutil.which("ld")), reason="no binutils to link with")
def test_qt_collates_and_maps_case_as_with_the_full_data(tmp_path):
    reduced, why = icu_data.shrink(LIBRARY, tmp_path)
    assert reduced is not None, why
    assert reduced.stat().st_size < LIBRARY.stat().st_size / 3
    full, cut = qt_icu_answers(), qt_icu_answers(reduced)
    assert cut["collation"] == full["collation"]  # QCollator in 16 locales, numeric and caseless modes
    assert cut["case"] == full["case"]
    for zone_id, zone in full["zones"].items():  # time zones still resolve; their names become GMT offsets
        assert {key: cut["zones"][zone_id][key] for key in ("valid", "offset")} == {
            "valid": True,
            "offset": zone["offset"],
        }
        assert all(cut["zones"][zone_id]["names"])
    assert {codec: cut["codecs"][codec] for codec in ("UTF-8", "UTF-16LE", "ISO-8859-1")} == dict.fromkeys(
        ("UTF-8", "UTF-16LE", "ISO-8859-1"), True
    )
