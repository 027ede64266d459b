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

import io
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pdfminer.lzw import LZWDecoder
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_LZW_DECODE,
    PDFStream,
    resolve1,
)
from pdfminer.psparser import LIT

MAX_PAGE_COMMANDS = 4 * 2**20  # bytes of drawing commands a page may ask for
# Forms drawn inside forms: deeper than this is no table.
_MAX_DEPTH = 4
_INFLATE_CHUNK = 64 * 1024
# Each `/Name Do` draws an XObject (counted in text too: an overestimate).
_DRAW = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do\b")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
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
    total = 0
    drawn: Counter[str] = Counter()
    for stream in streams:
        commands = _inflated(resolve1(stream), over - total)
        total += len(commands)
        if total >= over:
            return over
        drawn.update(_name(match[1]) for match in _DRAW.finditer(commands))
    if drawn:  # each form as often as it is drawn (an image costs nothing here)
        forms = _forms(resources)
        for name, times in drawn.items():
            if name in forms:
                total += times * _form_cost(forms[name], resources, depth)
                if total >= over:
                    return over
    return min(total, over)


def _name(written: bytes) -> str:
    """A PDF name as its resources' keys spell it (#xx decoded)."""
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), written).decode("latin-1")


def _forms(resources: dict) -> dict[str, PDFStream]:
    xobjects = resolve1(resources.get("XObject")) or {}
    if not isinstance(xobjects, dict):
        return {}
    found = {name: resolve1(xobject) for name, xobject in xobjects.items()}
    return {
        name: xobject
        for name, xobject in found.items()
        if isinstance(xobject, PDFStream) and xobject.get("Subtype") is _FORM
    }


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
        elif name in LITERALS_LZW_DECODE:
            data = _lzw_decoded(data, budget)
        elif len(data) * 128 < budget:  # run length: at most 128 times as long
            data = PDFStream({"Filter": name, "DecodeParms": params}, data).get_data()
        else:  # no filter of drawing commands, or too long to tell: too much
            return b"\0" * budget
    return data[:budget]


def _lzw_decoded(data: bytes, budget: int) -> bytes:
    """LZW-decode up to ``budget`` bytes (older producers compress with it)."""
    out = bytearray()
    try:
        for chunk in LZWDecoder(io.BytesIO(data)).run():
            out += chunk
            if len(out) >= budget:
                break
    except Exception:  # damaged: as far as it decodes, as pdfminer reads it
        pass
    return bytes(out[:budget])


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
