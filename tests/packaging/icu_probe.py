"""Ask Qt Core for everything it uses ICU for, in a child process that may load another libicudata.

The bundle ships a reduced ICU data library (packaging/icu_data.py); LD_PRELOAD puts it in front of the
one beside this environment's Qt (the loader then reuses it for Qt's libicudata.so.NN), and the answers
are compared with Qt's answers on the full data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import functools, json, sys
from PySide6.QtCore import QCollator, QDate, QDateTime, QLocale, QStringConverter, QStringDecoder, Qt, QTime, QTimeZone

words = ["Äpfel", "apple", "Zebra", "zebra", "Øre", "Ångström", "ch", "cz", "ha", "ıstanbul", "İzmir", "Ísland",
         "ñu", "nube", "photo10", "photo9", "photo1", "_draft", "-dash", "café", "cafe", "cafés", "Straße", "strasse",
         "日本", "中国", "北京", "한국", "서울", "かな", "カナ", "ł", "lz", "ž", "zz", "Ærø", "ß", "ss", "IMG_0002.JPG",
         "IMG_0010.jpg", "img_0003.jpg"]
out = {"collation": {}, "case": {}, "zones": {}, "codecs": {}}
for name in ["en_US", "de_DE", "sv_SE", "da_DK", "es_ES", "tr_TR", "fr_FR", "zh_CN", "zh_TW", "ja_JP", "ko_KR",
             "cs_CZ", "pl_PL", "lt_LT", "fi_FI", "C"]:
    for numeric in (False, True):
        collator = QCollator(QLocale(name))
        collator.setNumericMode(numeric)  # what QFileSystemModel (QFileDialog) sorts with
        out["collation"][f"{name} numeric={numeric}"] = sorted(words, key=functools.cmp_to_key(collator.compare))
    collator = QCollator(QLocale(name))
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    collator.setIgnorePunctuation(True)
    out["collation"][f"{name} caseless"] = sorted(words, key=functools.cmp_to_key(collator.compare))
for name, text in [("tr_TR", "istanbul İSTANBUL ı I"), ("az_AZ", "iİıI"), ("lt_LT", "i̇̀ Ì"), ("el_GR", "ΆΈΉ άέή ς"),
                   ("nl_NL", "ijsland IJsland"), ("de_DE", "straße ǅ")]:
    locale = QLocale(name)
    out["case"][name] = [locale.toUpper(text), locale.toLower(text)]
summer = QDateTime(QDate(2024, 7, 1), QTime(12, 0))
for zone_id in [b"Europe/Berlin", b"America/New_York", b"Asia/Tokyo", b"Australia/Lord_Howe", b"UTC"]:
    zone = QTimeZone(zone_id)
    out["zones"][zone_id.decode()] = {
        "valid": zone.isValid(), "offset": zone.offsetFromUtc(summer),
        "names": [zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale(name))
                  for name in ("en_US", "de_DE", "ja_JP")],
    }
for codec in ["UTF-8", "UTF-16LE", "ISO-8859-1", "windows-1252", "Shift_JIS", "GB18030", "KOI8-R"]:
    out["codecs"][codec] = QStringDecoder(codec).isValid()
json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)
"""


def qt_icu_answers(icu_data: Path | None = None) -> dict:
    """Qt's answers, with `icu_data` (a libicudata.so.NN) loaded in place of Qt's own when given."""
    env = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
    if icu_data is not None:
        env["LD_PRELOAD"] = str(icu_data)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "collator" not in result.stderr.lower(), result.stderr  # Qt warns when ICU cannot open a collator
    return json.loads(result.stdout)


def qt_icu_library() -> Path | None:
    """This environment's Qt's libicudata.so.NN (PySide6 wheels for Linux carry ICU), if there is one."""
    try:
        import PySide6
    except ImportError:
        return None
    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None
