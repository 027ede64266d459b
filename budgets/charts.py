"""Charts drawn on the server as SVG: no script, no build step, readable offline.

Each chart is an image (``role="img"``) named by its ``<title>`` and summarised by its
``<desc>``; the page shows the same numbers in a table under it, which is what a
screen reader or a copy-and-paste reaches. Series differ by shape (outline or solid)
and by their printed labels, never by colour alone.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 400
FONT = 13
# A chart is as wide as its column: on a phone about 290–330 px for its 400 units, where
# 13 units of text would read at 9–11 px. site.css (``svg.chart`` on narrow screens)
# sets its text in NARROW_FONT units there instead, 12–14 px; everything that must not
# overlap or be cut is laid out for that size.
NARROW_FONT = 17
INK = "#1a1a1a"
MUTED = "#555555"
# Both at least 4.5:1 against white, and against each other in lightness.
BLUE = "#0b57a4"
BROWN = "#8a4500"


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, how long it is, and the text printed beside it."""

    label: str
    value: int
    text: str


@dataclass(frozen=True)
class Pair:
    """A requested and a budgeted amount of one year."""

    label: str
    requested: int
    budgeted: int


def _n(number: float) -> str:
    """Return a coordinate with one decimal: 12.345 -> "12.3"."""
    return f"{number:.1f}"


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def text_width(text: str) -> float:
    """How wide ``text`` is drawn at NARROW_FONT, estimated on the generous side: a
    full-width character one em, any other 0.65 em (sans-serif Latin letters and
    digits are 0.5–0.65 em)."""
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in text)
    return NARROW_FONT * (wide + 0.65 * (len(text) - wide))


def _fit(label: str, room: float) -> str:
    """``label`` clipped with an ellipsis to be no wider than ``room``."""
    if text_width(label) <= room:
        return label
    while label and text_width(label + "…") > room:
        label = label[:-1]
    return label + "…"


def _svg(chart_id: str, height: int, title: str, description: str, body: str) -> str:
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    return mark_safe(
        format_html(
            '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
            'width="{w}" height="{h}" aria-labelledby="{id}-title {id}-desc" '
            'font-size="{font}" font-family="sans-serif">'
            '<title id="{id}-title">{title}</title>'
            '<desc id="{id}-desc">{desc}</desc>',
            id=safe_id,
            w=WIDTH,
            h=height,
            font=FONT,
            title=title,
            desc=description,
        )
        + body
        + "</svg>"
    )


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str
) -> SafeString:
    """Return horizontal bars, each labelled above and valued at its end."""
    row = 42
    top = 4
    largest = max((bar.value for bar in bars), default=0) or 1
    # the longest bar's end, then 6 units, then its text: room for the widest text
    widest = max((text_width(bar.text) for bar in bars), default=0)
    track = max(WIDTH - 6 - math.ceil(widest), WIDTH // 4)
    parts = []
    for index, bar in enumerate(bars):
        y = top + index * row
        length = round(track * max(bar.value, 0) / largest)
        parts.append(
            format_html(
                '<text x="0" y="{ly}" fill="{ink}">{label}</text>'
                '<rect x="0" y="{by}" width="{len}" height="16" fill="{blue}"/>'
                '<text x="{tx}" y="{ty}" fill="{ink}">{text}</text>',
                ly=y + FONT,
                ink=INK,
                label=_fit(bar.label, WIDTH),
                by=y + FONT + 6,
                len=max(length, 1),
                blue=BLUE,
                tx=max(length, 1) + 6,
                ty=y + FONT + 19,
                text=bar.text,
            )
        )
    height = top + max(len(bars), 1) * row
    return _svg(chart_id, height, title, description, "".join(parts))


def pair_chart(
    pairs: Sequence[Pair],
    *,
    chart_id: str,
    title: str,
    description: str,
    requested_label: str,
    budgeted_label: str,
    amount_text: Callable[[int], str],
) -> SafeString:
    """Return requested (outline) and budgeted (solid) bars side by side per year,
    the largest amount written above them as ``amount_text`` gives it."""
    legend_height = 26
    plot_top = legend_height + 20
    plot_height = 150
    baseline = plot_top + plot_height
    height = baseline + 24
    parts = [
        _pair_legend(
            requested_label=requested_label,
            budgeted_label=budgeted_label,
            baseline=baseline,
        ),
        *_pair_bars(pairs, baseline=baseline, plot_height=plot_height),
    ]
    if pairs:
        parts.append(_pair_top_value(pairs, amount_text, y=plot_top - 6))
    return _svg(chart_id, height, title, description, "".join(parts))


def _pair_legend(*, requested_label: str, budgeted_label: str, baseline: int) -> str:
    """The legend's two keys, the second after the first's text, and the baseline."""
    second = 20 + math.ceil(text_width(requested_label)) + 12
    return format_html(
        '<rect x="1" y="4" width="14" height="14" fill="#ffffff" '
        'stroke="{ink}" stroke-width="2"/>'
        '<text x="20" y="16" fill="{ink}">{requested}</text>'
        '<rect x="{key}" y="4" width="14" height="14" fill="{blue}"/>'
        '<text x="{text}" y="16" fill="{ink}">{budgeted}</text>'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="{muted}"/>',
        ink=INK,
        blue=BLUE,
        muted=MUTED,
        requested=requested_label,
        key=second,
        text=second + 19,
        budgeted=budgeted_label,
        base=baseline,
        w=WIDTH,
    )


def _pair_bars(pairs: Sequence[Pair], *, baseline: int, plot_height: int) -> list[str]:
    """Each year's two bars, scaled to the largest amount, and its label."""
    largest = (
        max((max(pair.requested, pair.budgeted) for pair in pairs), default=0) or 1
    )
    group = (WIDTH - 20) / max(len(pairs), 1)
    bar_width = min(group * 0.36, 48)
    labels = [_clip(pair.label, 10) for pair in pairs]
    # a label every ``step`` years, counted back from the last, so none overlaps
    step = math.ceil((max(map(text_width, labels), default=0) + 6) / group)
    # Numbers and colours need no escaping: plain f-strings here, format_html
    # (which escapes every argument) only around text, and the label escaped as
    # Django's escape() does, without its check for lazy text. A project page draws 20
    # years of these; format_html for each cost more than the rest of the chart.
    width = _n(bar_width)
    parts = []
    for index, (pair, label) in enumerate(zip(pairs, labels, strict=True)):
        centre = 10 + group * (index + 0.5)
        for offset, value, fill, stroke in (
            (-bar_width - 1, pair.requested, "#ffffff", INK),
            (1, pair.budgeted, BLUE, BLUE),
        ):
            tall = round(plot_height * max(value, 0) / largest)
            parts.append(
                f'<rect x="{_n(centre + offset)}" y="{baseline - tall}" '
                f'width="{width}" height="{tall}" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
            )
        if (len(pairs) - 1 - index) % step == 0:
            parts.append(
                f'<text x="{_n(centre)}" y="{baseline + 18}" fill="{INK}" '
                f'text-anchor="middle">{html.escape(label)}</text>'
            )
    return parts


def _pair_top_value(
    pairs: Sequence[Pair], amount_text: Callable[[int], str], *, y: int
) -> str:
    """The largest amount's text, above the plot (written once, not for every bar)."""
    largest = max(max(pair.requested, pair.budgeted) for pair in pairs)
    return format_html(
        '<text x="0" y="{y}" fill="{muted}">{text}</text>',
        y=y,
        muted=MUTED,
        text=amount_text(largest),
    )


def share_bar(
    parts: Sequence[Bar], *, chart_id: str, title: str, description: str
) -> SafeString:
    """Return one bar split into shares, each share named below it."""
    total = sum(max(part.value, 0) for part in parts) or 1
    colours = (BLUE, BROWN, MUTED)
    shapes = []
    x = 0.0
    for index, part in enumerate(parts):
        width = WIDTH * max(part.value, 0) / total
        colour = colours[index % len(colours)]
        shapes.append(
            format_html(
                '<rect x="{x}" y="0" width="{w}" height="24" fill="{c}" '
                'stroke="#ffffff" stroke-width="2"/>'
                '<rect x="0" y="{ky}" width="14" height="14" fill="{c}"/>'
                '<text x="20" y="{ty}" fill="{ink}">{label}: {text}</text>',
                x=_n(x),
                w=_n(width),
                c=colour,
                ky=34 + index * 22,
                ty=46 + index * 22,
                ink=INK,
                label=part.label,
                text=part.text,
            )
        )
        x += width
    height = 34 + len(parts) * 22
    return _svg(chart_id, height, title, description, "".join(shapes))
