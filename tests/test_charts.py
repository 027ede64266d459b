"""The charts' SVG: text escaped, numbers as drawn, rows read as a template would."""

from types import SimpleNamespace

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
