"""Workbooks built part by part, as any program (or an attacker) may write them."""

from __future__ import annotations

import io
import os
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def cell(reference: str, value: object) -> str:
    """One ``<c>``: a number as a number, ``("s", n)`` as shared string n, anything
    else as an inline string."""
    if isinstance(value, tuple):
        return f'<c r="{reference}" t="s"><v>{value[1]}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(
    rows: list[list[object]], *, dimension: str | None = None, cells: str = ""
) -> bytes:
    """A sheet of ``rows`` (empty cells left out, as Excel does), then ``cells``:
    raw ``<row>`` XML appended to the sheet data."""
    body = []
    for number, values in enumerate(rows, start=1):
        filled = "".join(
            cell(f"{get_column_letter(index)}{number}", value)
            for index, value in enumerate(values, start=1)
            if value not in (None, "")
        )
        if filled:
            body.append(f'<row r="{number}">{filled}</row>')
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{size}'
        f"<sheetData>{''.join(body)}{cells}</sheetData></worksheet>"
    ).encode()


def workbook(
    sheets: list[tuple[str, bytes]],
    *,
    states: dict[str, str] | None = None,
    shared_strings: list[str] | bytes | None = None,
    parts: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook of ``(name, sheet XML)`` sheets; ``states`` hides some by name;
    ``parts`` adds or replaces any part (a malformed styles.xml, a bomb)."""
    states = states or {}
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{number}" r:id="rId{number}"'
        + (f' state="{states[name]}"' if name in states else "")
        + "/>"
        for number, (name, _xml) in enumerate(sheets, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{number}" Target="worksheets/sheet{number}.xml" '
        f'Type="{REL}/worksheet"/>'
        for number in range(1, len(sheets) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
        f'ContentType="{SHEET_TYPE}"/>'
        for number in range(1, len(sheets) + 1)
    )
    files = {
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets>'
            "</workbook>"
        ).encode(),
    }
    if shared_strings is not None:
        if isinstance(shared_strings, list):
            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared_strings)
            shared_strings = f'<sst xmlns="{MAIN}">{items}</sst>'.encode()
        files["xl/sharedStrings.xml"] = shared_strings
        relations += (
            f'<Relationship Id="rIdS" Target="sharedStrings.xml" '
            f'Type="{REL}/sharedStrings"/>'
        )
        overrides += (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        )
    files["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG_REL}">{relations}</Relationships>'
    ).encode()
    files["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
        f"{overrides}</Types>"
    ).encode()
    for number, (_name, xml) in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{number}.xml"] = xml
    files.update(parts or {})
    return zipped(files)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
)


def write_bomb(
    path, *, expanded_mb: int, row: bytes | None = None, noise: int = 0
) -> None:
    """A workbook whose one sheet repeats ``row`` for ``expanded_mb`` MB, written in
    chunks (a few hundred KB on disk; nothing large is held in memory); ``noise``
    bytes of random data in a part of their own make the zip less dense."""
    row = row or b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    book = workbook([("S", b"")])
    with (
        zipfile.ZipFile(io.BytesIO(book)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            if name != "xl/worksheets/sheet1.xml":
                target.writestr(name, source.read(name))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            chunk = row * (1024 * 1024 // len(row))
            for _ in range(expanded_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
        if noise:
            target.writestr("docProps/noise.bin", os.urandom(noise))
