"""Workbooks written byte for byte the same each time: the same content gives the same file."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any


def workbook_bytes(wb: Any, stamp: dt.datetime, creator: str) -> bytes:
    """The openpyxl workbook ``wb`` as .xlsx bytes, with its creation and modification times and every zip
    entry's time set to ``stamp`` (openpyxl stamps 'modified' with the save time) and ``creator`` set."""
    wb.properties.creator = creator
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + when + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()
