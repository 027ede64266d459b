"""The charts' SVG: text escaped, numbers as drawn, rows read as a template would."""

import itertools
import re
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from budgets import charts
from budgets.templatetags.budget_charts import history_chart


def _pair(label: str, requested: int, budgeted: int) -> charts.Pair:
    return charts.Pair(label, requested, budgeted)


def _pair_chart(pairs: list[charts.Pair]) -> str:
    return charts.pair_chart(
        pairs,
        chart_id="c",
        title="t",
        description="d",
        requested_label="要求額",
        budgeted_label="予算額",
        amount_text=lambda amount: f"{amount:,} 千円",
    )


def test_a_year_label_is_escaped():
    svg = _pair_chart([_pair('<b a="1">&', 1, 2)])

    assert "&lt;b a=&quot;1&quot;&gt;&amp;" in svg
    assert "<b " not in svg


def test_bars_are_drawn_to_scale_requested_outlined_budgeted_solid():
    svg = _pair_chart([_pair("2021", 300, 150), _pair("2022", 0, 300)])

    # as the chart was drawn with format_html around every number (the same bytes)
    outline = 'fill="#ffffff" stroke="#1a1a1a" stroke-width="2"/>'
    solid = 'fill="#0b57a4" stroke="#0b57a4" stroke-width="2"/>'
    assert f'<rect x="56.0" y="46" width="48.0" height="150" {outline}' in svg
    assert f'<rect x="106.0" y="121" width="48.0" height="75" {solid}' in svg
    assert f'<rect x="246.0" y="196" width="48.0" height="0" {outline}' in svg
    assert f'<rect x="296.0" y="46" width="48.0" height="150" {solid}' in svg
    assert (
        '<text x="295.0" y="214" fill="#1a1a1a" text-anchor="middle">2022</text>'
    ) in svg
    # the largest amount, written once above the plot
    assert '<text x="0" y="40" fill="#555555">300 千円</text>' in svg


def test_the_history_chart_reads_dict_rows_and_instances_alike():
    rows = [
        {"fiscal_year__year": 2021, "requested": 100, "budgeted": None},
        {"fiscal_year__year": 2022, "requested": 300, "budgeted": 200},
    ]
    instances = [
        SimpleNamespace(
            fiscal_year=SimpleNamespace(year=row["fiscal_year__year"]),
            requested=row["requested"],
            budgeted=row["budgeted"],
        )
        for row in rows
    ]

    from_rows = history_chart(rows, "fiscal_year__year", "c", "t")
    assert from_rows == history_chart(instances, "fiscal_year.year", "c", "t")
    assert ">2022</text>" in from_rows


def _texts(svg: str) -> list[tuple[float, str]]:
    return [
        (float(x), text)
        for x, text in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    ]


def test_twenty_years_name_every_few_years_back_from_the_last_apart_by_their_width():
    pairs = [_pair(str(year), year, year) for year in range(2021, 2041)]

    years = [(x, text) for x, text in _texts(_pair_chart(pairs)) if text.isdigit()]

    assert years[-1][1] == "2040"
    assert 4 <= len(years) < 20
    for (x, text), (next_x, _) in itertools.pairwise(years):
        assert next_x - x >= charts.text_width(text) + 6


def test_a_long_legend_pushes_the_second_key_past_the_first_text():
    svg = charts.pair_chart(
        [_pair("2021", 1, 2)],
        chart_id="c",
        title="t",
        description="d",
        requested_label="Requested amount (thousand yen)",
        budgeted_label="Budgeted",
        amount_text=str,
    )

    (_, requested), (second, budgeted) = _texts(svg)[:2]
    assert (requested, budgeted) == ("Requested amount (thousand yen)", "Budgeted")
    _, second_key = re.findall(r'<rect x="(\d+)" y="4"', svg)
    assert float(second_key) >= 20 + charts.text_width(requested)
    assert second == float(second_key) + 19


def test_a_value_fits_after_the_longest_bar_and_a_label_is_cut_to_the_width():
    bars = [
        charts.Bar("部" * 40, 100, "about ¥7.9 billion"),
        charts.Bar("Department of Everything", 1, "1"),
    ]

    svg = charts.bar_chart(bars, chart_id="c", title="t", description="d")

    length = float(re.search(r'<rect x="0" y="\d+" width="(\d+)"', svg).group(1))
    assert length + 6 + charts.text_width("about ¥7.9 billion") <= charts.WIDTH
    label = _texts(svg)[0][1]
    assert label.endswith("…") and charts.text_width(label) <= charts.WIDTH


def test_the_narrow_screens_font_in_site_css_is_the_one_the_layout_is_made_for():
    css = (Path(settings.BASE_DIR) / "static" / "budgets" / "site.css").read_text()

    sizes = re.findall(r"svg\.chart \{ font-size: (\d+)px; \}", css)
    assert sizes == [str(charts.NARROW_FONT)]
