"""Values that would break the database or the site later are refused at the door."""

import pytest

from budgets.importing import import_table
from budgets.models import Project
from tests.tables import project_line, seed_cells, to_text

pytestmark = pytest.mark.django_db

THOUSAND_WORDS = " ".join(f"語{n}" for n in range(1000))


@pytest.mark.parametrize(
    ("path", "status"),
    [("/projects/", 200), ("/api/projects/", 400)],  # the page lists its reasons
)
def test_a_search_of_a_thousand_words_is_refused_with_a_reason(
    client, fy2021, path, status
):
    response = client.get(path, {"q": THOUSAND_WORDS})

    assert response.status_code == status
    assert "20 語まで" in response.content.decode()
    assert "1000 語あります" in response.content.decode()


@pytest.mark.parametrize("path", ["/projects.csv", "/projects.xlsx"])
def test_a_download_of_a_thousand_word_search_answers_400_not_a_cut_file(
    client, fy2021, path
):
    response = client.get(path, {"q": THOUSAND_WORDS})

    assert response.status_code == 400
    assert "20 語まで" in response.content.decode()


def test_twenty_words_still_search(client, fy2021):
    words = " ".join(["融資"] * 20)
    response = client.get("/projects/", {"q": words})
    assert response.status_code == 200
    assert "融資事業" in response.content.decode()


def test_two_amounts_that_would_overflow_every_total_are_refused(seed_text, fy2021):
    rows = seed_cells(seed_text)
    for no in (1, 2):
        rows[project_line(rows, no) - 1][6] = str(2**63 - 10)

    report = import_table(to_text(rows))

    assert not report.ok
    assert {p.column for p in report.problems} == {"要求額"}
    assert all("上限は 1,000,000,000,000 千円" in str(p) for p in report.problems)
    assert Project.objects.get(no=1).requested == 3_826_938


def csv_of(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def exported_rows(fy2021) -> list[list[str]]:
    """The FY2021 table as the site's own CSV gives it, row by row."""
    import csv
    import io

    from budgets.exporting import csv_chunks

    text = "".join(csv_chunks(Project.objects.all())).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_a_csv_whose_description_holds_a_tab_reads_as_csv(exported_rows):
    exported_rows[1][8] = "表の\t字下げ"

    report = import_table(csv_of(exported_rows), dry_run=True)

    assert report.ok, [str(p) for p in report.problems]
    (change,) = report.plan.years[0].changed
    assert [(c.old, c.new) for c in change.changes if c.new == "表の\t字下げ"]


@pytest.mark.parametrize(
    ("column", "value", "words", "shown"),
    [
        (6, "融資\x07事業", "制御文字 U+0007", "融資<U+0007>事業"),
        (6, "融資\n事業", "改行やタブは使えません", "融資<U+000A>事業"),
        (8, "説明\u2029続き", "制御文字 U+2029", "説明<U+2029>続き"),
        (8, "長" * 10_001, "10000 文字以内", "長" * 40 + "…"),
    ],
)
def test_text_no_export_could_give_back_is_refused_naming_line_and_column(
    exported_rows, column, value, words, shown
):
    exported_rows[2][column] = value

    report = import_table(csv_of(exported_rows))

    assert not report.ok
    (problem,) = report.problems
    assert (problem.line, problem.column) == (3, exported_rows[0][column])
    assert words in str(problem).replace(",", "")
    assert problem.value == shown  # controls made visible, a long text cut
    assert not Project.objects.filter(name=value).exists()
