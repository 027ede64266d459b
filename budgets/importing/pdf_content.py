"""How much drawing a PDF page asks for, measured before pdfminer draws any of it.

pdfplumber interprets a page's whole content stream, and every form XObject the page
draws, into Python objects the first time the page's characters or lines are asked
for; ``pdf._check_size`` can only count them afterwards. A stream of a few KB can
inflate to gigabytes of drawing commands: a one-page PDF of 131 KB held 3 million
line segments and took 3 min 26 s and 11.9 GB before it was refused, 1.5 MB of
compressed spaces took 3.2 GB. Here each stream is inflated only up to the page's
budget, and a form drawn many times counts each time it is drawn.

A page of the city's table is a few thousand characters and a few hundred ruling
lines: the test fixtures' pages (the seed printed by LibreOffice and by Chromium) ask
for 20-80 KB. ``MAX_PAGE_COMMANDS`` is fifty times that.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from typing import Any

from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    PDFStream,
    resolve1,
)
from pdfminer.psparser import LIT

MAX_PAGE_COMMANDS = 4 * 2**20  # bytes of drawing commands a page may ask for
# Forms drawn inside forms: deeper than this is no table.
_MAX_DEPTH = 4
_INFLATE_CHUNK = 64 * 1024
# Each `Do` draws an XObject (counted in text too: an overestimate, never under).
_DRAW = re.compile(rb"Do\b")
_FORM = LIT("Form")


def page_commands(page_obj) -> int:
    """The bytes of drawing commands the page asks for, counted up to just over
    ``MAX_PAGE_COMMANDS`` (more is refused; the exact amount does not matter)."""
    streams = resolve1(page_obj.contents) or []
    if not isinstance(streams, list):
        streams = [streams]
    return _cost(streams, resolve1(page_obj.resources) or {}, depth=0)


def _cost(streams: Iterable[Any], resources: dict, *, depth: int) -> int:
    over = MAX_PAGE_COMMANDS + 1
    if depth > _MAX_DEPTH:
        return over
    total = draws = 0
    for stream in streams:
        commands = _inflated(resolve1(stream), over - total)
        total += len(commands)
        if total >= over:
            return over
        draws += len(_DRAW.findall(commands))
    if draws:
        costs = [_form_cost(form, resources, depth) for form in _forms(resources)]
        total += draws * max(costs, default=0)
    return min(total, over)


def _forms(resources: dict) -> list[PDFStream]:
    xobjects = resolve1(resources.get("XObject")) or {}
    if not isinstance(xobjects, dict):
        return []
    found = [resolve1(xobject) for xobject in xobjects.values()]
    return [
        xobject
        for xobject in found
        if isinstance(xobject, PDFStream) and xobject.get("Subtype") is _FORM
    ]


def _form_cost(form: PDFStream, drawn_by: dict, depth: int) -> int:
    # a form without resources of its own uses those of what draws it (pdfminer)
    resources = resolve1(form.get("Resources"))
    if not isinstance(resources, dict) or not resources:
        resources = drawn_by
    return _cost([form], resources, depth=depth + 1)


def _inflated(stream: Any, budget: int) -> bytes:
    """The stream's commands, at most ``budget`` bytes of them."""
    if not isinstance(stream, PDFStream):
        return b""
    if stream.data is not None:  # decoded already
        return stream.data[:budget]
    data = stream.rawdata or b""
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for name, params in stream.get_filters():
        if name in LITERALS_FLATE_DECODE:
            data = _inflate(data, budget)
        elif name in LITERALS_ASCII85_DECODE or name in LITERALS_ASCIIHEX_DECODE:
            data = PDFStream({"Filter": name}, data).get_data()  # text: it shrinks
        elif len(data) * 1000 < budget:  # LZW, run length: decoded when small
            data = PDFStream({"Filter": name, "DecodeParms": params}, data).get_data()
        else:  # how far they grow is not bounded here: too much
            return b"\0" * budget
    return data[:budget]


def _inflate(data: bytes, budget: int) -> bytes:
    """Inflate up to ``budget`` bytes; a damaged stream as far as it inflates (what
    pdfminer's own reading of a damaged stream finds)."""
    inflater = zlib.decompressobj()
    out = bytearray()
    for start in range(0, len(data), _INFLATE_CHUNK):
        try:
            out += inflater.decompress(
                data[start : start + _INFLATE_CHUNK], budget - len(out)
            )
        except zlib.error:
            break
        if len(out) >= budget or inflater.eof:
            break
    return bytes(out)
