"""Random damage to real files never breaks the import: a plan or a list of problems,
never an exception, and nothing written when refused.

Each file starts as the real seed table, as a workbook (built part by part, with
shared strings, tests/workbooks.py) or as a CSV, and is then cut short, has bytes
flipped, or has one of its XML parts replaced by random XML.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.importing import import_table
from budgets.models import ImportEvent, Project
from tests.tables import seed_cells, to_csv
from tests.workbooks import MAIN, parts_of, sheet_xml, workbook, zipped

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "r03_shinki_levelup.txt"
ROWS = seed_cells(SEED.read_text(encoding="utf-8"))
NAMES = sorted({cells[3] for cells in ROWS if len(cells) == 10})


def _with_shared_strings() -> bytes:
    """The seed with its project names as shared strings (as Excel writes them)."""
    index = {name: number for number, name in enumerate(NAMES)}
    rows = [[("s", index[c]) if c in index else c for c in cells] for cells in ROWS]
    sheet = sheet_xml(rows)
    return workbook([("R3", sheet)], shared_strings=NAMES)


WORKBOOK = _with_shared_strings()
CSV = to_csv(ROWS)
PART_NAMES = sorted(parts_of(WORKBOOK))

# XML an attacker or a broken program writes: tags of the spreadsheet schema with
# hostile attributes and values, entity declarations, or no XML at all.
xml_fragments = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '<row r="{n}">',
                "</row>",
                '<c r="{ref}" t="{t}"><v>{v}</v></c>',
                '<c r="{ref}"><f>SUM(A1:A2)</f></c>',
                '<dimension ref="A1:XFD1048576"/>',
                '<sheet name="x" sheetId="{n}" r:id="rId{n}"/>',
                "<si><t>{v}</t></si>",
                '<xf numFmtId="{v}"/>',
                '<!DOCTYPE x [<!ENTITY e "ee">]>',
                "&e;",
                "<sheetData>",
                "</sheetData>",
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=12,
)
values = st.sampled_from(["0", "1", "-1", "NaN", "1e999", "x", "", "99999999999999"])
refs = st.sampled_from(["A1", "C40", "XFD1048576", "A0", "?", ""])
types = st.sampled_from(["n", "s", "b", "e", "str", "d", "inlineStr", "zz"])


@st.composite
def random_xml(draw) -> bytes:
    body = ""
    for fragment in draw(xml_fragments):
        for name, value in (
            ("{n}", str(draw(st.integers(-1, 2_000_000)))),
            ("{ref}", draw(refs)),
            ("{t}", draw(types)),
            ("{v}", draw(values)),
        ):
            fragment = fragment.replace(name, value)
        body += fragment
    root = draw(st.sampled_from(["worksheet", "sst", "workbook", "styleSheet"]))
    return f'<{root} xmlns="{MAIN}">{body}</{root}>'.encode()


@st.composite
def damaged_workbooks(draw) -> bytes:
    how = draw(st.sampled_from(["truncate", "flip", "replace part"]))
    if how == "truncate":
        return WORKBOOK[: draw(st.integers(0, len(WORKBOOK) - 1))]
    if how == "flip":
        return _flipped(draw, WORKBOOK)
    parts = parts_of(WORKBOOK)
    parts[draw(st.sampled_from(PART_NAMES))] = draw(random_xml())
    return zipped(parts)


@st.composite
def damaged_csvs(draw) -> bytes:
    how = draw(st.sampled_from(["truncate", "flip", "insert"]))
    if how == "truncate":
        return CSV[: draw(st.integers(0, len(CSV) - 1))]
    if how == "flip":
        return _flipped(draw, CSV)
    at = draw(st.integers(0, len(CSV)))
    return CSV[:at] + draw(st.binary(max_size=40)) + CSV[at:]


def _flipped(draw, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(damaged) - 1))
        damaged[at] = draw(st.integers(0, 255))
    return bytes(damaged)


def assert_refused_cleanly_or_planned(data: bytes) -> None:
    before = (Project.objects.count(), ImportEvent.objects.count())
    report = import_table(data, filename="damaged")
    if report.ok:
        assert report.plan is not None
    else:
        assert all(str(problem) for problem in report.problems)
        assert (Project.objects.count(), ImportEvent.objects.count()) == before


def test_the_undamaged_files_import():
    assert import_table(WORKBOOK, dry_run=True).ok
    assert import_table(CSV, dry_run=True).ok


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=damaged_workbooks())
def test_a_damaged_workbook_is_refused_or_read_never_raises(data):
    assert_refused_cleanly_or_planned(data)


@FUZZ
@given(data=damaged_csvs())
def test_a_damaged_csv_is_refused_or_read_never_raises(data):
    assert_refused_cleanly_or_planned(data)
