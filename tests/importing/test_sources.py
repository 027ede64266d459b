"""Bytes to rows of cells: the file's kind and encoding come from its content.

No database: reading a file touches none.
"""

import pytest

from budgets.importing import ImportRefused, read_source
from tests.tables import to_xlsx

TABLE = 'No,事業名,予算額\n1,「みなと」子育て支援,"1,000"\n'


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TABLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TABLE.encode("utf-8"), "utf-8"),
        (TABLE.encode("cp932"), "cp932"),
    ],
    ids=["utf-8", "utf-8 with BOM", "cp932"],
)
def test_a_csv_reads_the_same_in_each_encoding_excel_writes(data, encoding):
    source = read_source(data)

    assert (source.kind, source.encoding) == ("csv", encoding)
    assert [row.cells for row in source.rows] == [
        ["No", "事業名", "予算額"],
        ["1", "「みなと」子育て支援", "1,000"],
    ]


def test_text_with_tabs_is_the_pdf_copy_one_row_per_line():
    source = read_source("表題\n\nNo\t事業名\n1\t保育\n".encode())

    assert source.kind == "text"
    assert [(row.line, row.cells) for row in source.rows] == [
        (1, ["表題"]),
        (2, [""]),
        (3, ["No", "事業名"]),
        (4, ["1", "保育"]),
    ]


def test_a_csv_row_is_numbered_by_the_line_it_starts_on():
    source = read_source('No,事業内容\n1,"二行に\n渡る説明"\n2,短い\n'.encode())

    assert [row.line for row in source.rows] == [1, 2, 4]
    assert source.rows[1].cells == ["1", "二行に\n渡る説明"]


def test_an_xlsx_keeps_numbers_as_numbers_and_counts_sheet_rows():
    source = read_source(to_xlsx([["No", "予算額"], [1, 3826938]]))

    assert (source.kind, source.unit) == ("xlsx", "row")
    assert [row.cells for row in source.rows] == [["No", "予算額"], [1, 3826938]]


@pytest.mark.parametrize(
    "data",
    [b"", b"  \n", b"\x00\x01\x02 binary", b"No,a\n\x81 "],
    ids=["empty", "blank", "binary", "neither utf-8 nor cp932"],
)
def test_what_is_no_table_is_refused_before_any_row_is_read(data):
    with pytest.raises(ImportRefused) as refused:
        read_source(data)

    assert refused.value.problems


def test_lines_are_numbered_as_an_editor_numbers_them():
    # pdftotext starts each page with a form feed; U+2028 and U+0085 end no line
    text = "表題\n\f1\t保育\n2\t説明\u2028の途中\n3\t次\x85行\n\f\n"

    source = read_source(text.encode())

    assert [(row.line, row.cells) for row in source.rows] == [
        (1, ["表題"]),
        (2, ["1", "保育"]),  # the page break is no cell's text
        (3, ["2", "説明\u2028の途中"]),  # kept, for the cell's check to name
        (4, ["3", "次\x85行"]),
        (5, [""]),
    ]


def test_a_nul_near_the_start_is_named_by_line_and_column():
    with pytest.raises(ImportRefused) as refused:
        read_source("No\t事業名\n1\t保\x00育\n".encode())

    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (2, "B")
    assert "NUL" in problem.message


def test_excel_s_unicode_text_is_refused_saying_how_to_save_it():
    with pytest.raises(ImportRefused) as refused:
        read_source("No\t事業名\n1\t保育\n".encode("utf-16"))

    [problem] = refused.value.problems
    assert "UTF-16" in problem.message and "CSV UTF-8" in problem.message


@pytest.mark.parametrize("separator", [",", "\t"])
def test_a_line_of_a_million_cells_is_refused_before_it_is_split(separator):
    data = ("No,事業名\n1," + separator * 1_000_000 + "\n").encode()

    with pytest.raises(ImportRefused) as refused:
        read_source(data)

    [problem] = refused.value.problems
    assert problem.line == 2
    assert "1,000,001 個" in problem.message or "1,000,000 個" in problem.message


def test_a_description_full_of_commas_is_still_read():
    description = "、".join(["a,b"] * 3000)  # 3,000 commas in one quoted cell
    data = f'No,事業内容\n1,"{description}"\n'.encode()

    assert read_source(data).rows[1].cells == ["1", description]
