"""Downloads of any size: streamed or sent from a file, built once per data version.

The reference functions below are the files as they were made before streaming
(whole in memory): what every download must still send, byte for byte (the XLSX,
whose zip carries the time it was written, cell for cell).
"""

import csv
import fcntl
import io
import json
import os
import time

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models.query import QuerySet
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from budgets import caching, downloads, opendata, opendata_build
from budgets.exporting import (
    CATEGORY_WORDS,
    CSV_HEADER,
    FORMULA_PREFIXES,
    csv_chunks,
    neutralise,
)
from budgets.exporting import project_rows as reference_rows
from budgets.models import FiscalYear, Project
from tests.factories import make_project

pytestmark = pytest.mark.django_db


# --- The files as they were made before streaming -----------------------------


def reference_cp932(queryset) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in reference_rows(queryset):
        writer.writerow(
            [
                neutralise(opendata.to_cp932_text(cell))
                if isinstance(cell, str)
                else cell
                for cell in row
            ]
        )
    return buffer.getvalue().encode("cp932")


def reference_json(queryset, years) -> bytes:
    projects = []
    for record in opendata.records(queryset):
        record["category_label"] = CATEGORY_WORDS[record["category"]]
        projects.append(record)
    document = opendata.json_head(years) | {"projects": projects}
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def reference_xlsx(queryset) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "事業一覧"
    sheet.append(CSV_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, record in enumerate(opendata.records(queryset), start=2):
        for column_number, column in enumerate(opendata.DICTIONARY, start=1):
            value = record[column.key]
            cell = sheet.cell(row=row_number, column=column_number)
            if value is None:
                continue
            if column.key == "category":
                value = CATEGORY_WORDS[value]
            if isinstance(value, str):
                reference_text_cell(cell, value)
            else:
                cell.value = value
                if column.is_amount:
                    cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHI", (8, 8, 30, 6, 20, 20, 30, 12, 60), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    dictionary = workbook.create_sheet("項目の説明")
    for label, value in (
        ("表題", opendata.TITLE),
        ("出典の表示", opendata.ATTRIBUTION),
        ("ライセンス", f"{opendata.LICENCE_TITLE} {opendata.LICENCE_URL}"),
        ("", f"{opendata.GOVERNMENT_TERMS}に準拠した原データを加工したものです。"),
        ("単位", "金額は千円。空欄は該当なし（0 ではありません）。"),
    ):
        dictionary.append([label, value])
    dictionary.append([])
    dictionary.append(["列", "意味", "Meaning", "単位 / Unit"])
    for column in opendata.DICTIONARY:
        row = dictionary.max_row + 1
        for number, value in enumerate(
            (column.header, column.ja, column.en, column.unit_ja), start=1
        ):
            reference_text_cell(dictionary.cell(row=row, column=number), value)
    for letter, width in zip("ABCD", (28, 60, 60, 10), strict=True):
        dictionary.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reference_text_cell(cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


def workbook_cells(data: bytes) -> dict:
    """Everything a reader sees of a workbook: each cell's value, type and style,
    the sheets' frozen panes and column widths."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: {
            "cells": [
                [
                    (
                        cell.value,
                        cell.data_type,
                        cell.quotePrefix,
                        cell.number_format,
                        cell.font.b,
                    )
                    for cell in row
                ]
                for row in sheet.iter_rows()
            ],
            "freeze": sheet.freeze_panes,
            "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
        }
        for sheet in workbook.worksheets
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def lacking(fy2021):
    """Characters cp932 lacks (the seed has ₂)."""
    make_project(fiscal_year=fy2021, no=90, name="𠮷野の事業", description="⺠間—連携")
    return fy2021


@pytest.fixture
def hostile(lacking):
    """Text a spreadsheet would run, too (the cp932 files' own tests in
    test_opendata.py check how they neutralise it)."""
    make_project(fiscal_year=lacking, no=91, name='=HYPERLINK("http://x","y")')
    make_project(fiscal_year=lacking, no=92, name="-1+2", description="@SUM(A1)")
    make_project(fiscal_year=lacking, no=93, name="'引用")
    return lacking


def seeded(request, fmt: str):
    return request.getfixturevalue("lacking" if fmt == "cp932.csv" else "hostile")


def expected(fmt: str, queryset, years) -> bytes:
    if fmt == "csv":
        return "".join(csv_chunks(queryset)).encode()
    if fmt == "cp932.csv":
        return reference_cp932(queryset)
    return reference_json(queryset, years)


# --- Every download streams, and sends what it sent before -----------------------

LIST_DOWNLOADS = [
    ("/projects.csv", {}, "csv"),
    ("/projects.csv", {"encoding": "cp932"}, "cp932.csv"),
    ("/projects.csv", {"year": "2021", "q": "GIGA"}, "csv"),
    ("/projects.csv", {"category": "new", "encoding": "sjis"}, "cp932.csv"),
]


@pytest.mark.parametrize(("url", "params", "fmt"), LIST_DOWNLOADS)
def test_the_list_csvs_stream_the_bytes_they_sent_before(
    client, request, url, params, fmt
):
    seeded(request, fmt)
    response = client.get(url, params)

    assert response.streaming
    view = client.get("/projects/", params).context["filter"].qs
    assert body(response) == expected(fmt, view, [2021])


@pytest.mark.parametrize("params", [{}, {"year": "2021", "category": "levelup"}])
def test_the_list_workbook_is_a_file_with_the_cells_it_had(client, hostile, params):
    response = client.get("/projects.xlsx", params)

    assert isinstance(response, FileResponse)
    view = client.get("/projects/", params).context["filter"].qs
    assert workbook_cells(body(response)) == workbook_cells(reference_xlsx(view))


@pytest.mark.parametrize("fmt", ["csv", "cp932.csv", "json"])
@pytest.mark.parametrize("year", ["2021", "all"])
def test_each_data_file_streams_the_same_bytes_built_or_not(client, request, fmt, year):
    seeded(request, fmt)
    url = f"/data/minato-budget-{year}.{fmt}"
    projects = opendata.projects_of(2021 if year == "2021" else None)
    live = client.get(url)
    opendata_build.build_open_data()
    built = client.get(url)

    assert live.streaming and not isinstance(live, FileResponse)
    assert isinstance(built, FileResponse)
    assert body(live) == body(built) == expected(fmt, projects, [2021])
    assert built["Content-Type"] == live["Content-Type"]
    assert built["Content-Disposition"] == live["Content-Disposition"]


@pytest.mark.parametrize("year", ["2021", "all"])
def test_each_data_workbook_has_the_cells_it_had_built_or_not(client, hostile, year):
    url = f"/data/minato-budget-{year}.xlsx"
    live = client.get(url)
    opendata_build.build_open_data()
    built = client.get(url)

    assert isinstance(live, FileResponse) and isinstance(built, FileResponse)
    reference = workbook_cells(reference_xlsx(opendata.projects_of(None)))
    assert workbook_cells(body(live)) == workbook_cells(body(built)) == reference


def test_the_json_of_no_projects_is_the_same_text_too():
    chunks = opendata.json_chunks(Project.objects.none(), years=[])

    assert "".join(chunks).encode() == reference_json(Project.objects.none(), [])


def test_the_admin_workbook_is_the_open_data_workbook(hostile):
    projects = Project.objects.all()
    assert workbook_cells(opendata.xlsx(projects)) == workbook_cells(
        reference_xlsx(projects)
    )


# --- Memory: rows are read in chunks, never all at once --------------------------


@pytest.fixture
def many(fy2021):
    """3,000 projects in one more published year (more than one piece of body)."""
    year = FiscalYear.objects.create(year=2022, is_published=True)
    theme = year.themes.create(number=1, name="施策")
    seed = list(Project.objects.filter(fiscal_year=fy2021))
    Project.objects.bulk_create(
        Project(
            fiscal_year=year,
            theme=theme,
            no=n,
            section_id=seed[n % len(seed)].section_id,
            name=seed[n % len(seed)].name,
            category=seed[n % len(seed)].category,
            description=seed[n % len(seed)].description,
            requested=n,
            budgeted=n,
            requested_levelup=0 if seed[n % len(seed)].category == "levelup" else None,
            budgeted_levelup=0 if seed[n % len(seed)].category == "levelup" else None,
        )
        for n in range(1, 3001)
    )
    return year


def watch_project_reads(monkeypatch) -> list:
    """Fail any read of all the projects at once (list(), len(), for … in qs);
    record the chunk size of each .iterator() over projects."""
    sizes = []
    fetch_all, iterator = QuerySet._fetch_all, QuerySet.iterator

    def whole(self):
        if self.model is Project and not self.query.is_sliced:
            raise AssertionError(f"every project read into memory: {self.query}")
        return fetch_all(self)

    def chunked(self, chunk_size=None):
        if self.model is Project:
            sizes.append(chunk_size)
        return iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "_fetch_all", whole)
    monkeypatch.setattr(QuerySet, "iterator", chunked)
    return sizes


@pytest.mark.parametrize(
    ("url", "years"),
    [
        ("/projects.csv", 2),
        ("/projects.csv?encoding=cp932", 2),
        ("/projects.xlsx?year=2022", 1),
        ("/data/minato-budget-all.csv", 2),
        ("/data/minato-budget-all.cp932.csv", 2),
        ("/data/minato-budget-all.json", 2),
        ("/data/minato-budget-2022.xlsx", 1),
    ],
)
def test_a_download_made_in_the_request_reads_its_rows_in_chunks(
    client, many, url, years, monkeypatch
):
    sizes = watch_project_reads(monkeypatch)

    pieces = list(client.get(url).streaming_content)

    assert sizes == [2000] * years  # one .iterator() a year (budgets.year_by_year)
    assert len(b"".join(pieces)) > downloads.CHUNK_BYTES
    if not url.endswith("xlsx"):
        assert len(pieces) > 1  # streamed: sent before the last row was read
        assert max(len(piece) for piece in pieces) < 2 * downloads.CHUNK_BYTES


def test_a_build_reads_every_file_in_chunks(many, monkeypatch):
    sizes = watch_project_reads(monkeypatch)

    build = opendata_build.build_open_data()

    assert len(build.files) == 4 * 3  # two years and all of them, four formats
    assert sizes == [2000] * (len(build.files) + 4)  # "all" read a year at a time


# --- The workbook's limit -----------------------------------------------------


def test_a_workbook_above_the_limit_points_to_the_same_rows_as_csv(
    client, fy2021, settings
):
    settings.XLSX_MAX_ROWS = 10

    response = client.get("/projects.xlsx", {"year": "2021", "category": "levelup"})

    assert response.status_code == 400
    assert "Content-Disposition" not in response
    html = response.content.decode()
    assert "Excel ファイルにするには行が多すぎます" in html
    assert "10 件を超えています" in html
    assert 'href="/projects.csv?year=2021&amp;category=levelup"' in html
    assert 'href="/projects.csv?year=2021&amp;category=levelup&amp;encoding=cp932"' in (
        html
    )
    csv_rows = body(client.get("/projects.csv?year=2021&category=levelup"))
    assert len(csv_rows.decode("utf-8-sig").splitlines()) - 1 > 10


def test_a_workbook_at_the_limit_is_made(client, fy2021, settings):
    settings.XLSX_MAX_ROWS = Project.objects.count()

    response = client.get("/projects.xlsx")

    assert isinstance(response, FileResponse)


def test_a_data_workbook_longer_than_a_sheet_is_not_built(client, fy2021, monkeypatch):
    monkeypatch.setattr(opendata_build, "EXCEL_MAX_ROWS", 10)
    build = opendata_build.build_open_data()

    response = client.get("/data/minato-budget-2021.xlsx")

    assert "minato-budget-2021.xlsx" not in build.files
    assert build.too_many_rows == {
        "minato-budget-all.xlsx": 32,
        "minato-budget-2021.xlsx": 32,
    }
    assert response.status_code == 400
    assert 'href="/data/minato-budget-2021.csv"' in response.content.decode()


# --- Built once per data version, outside the request ---------------------------


def test_the_files_come_from_the_build_of_the_data_version(
    client, fy2021, django_assert_num_queries
):
    build = opendata_build.build_open_data()

    with django_assert_num_queries(1):  # the data version, nothing else
        response = client.get("/data/minato-budget-2021.csv")
    assert isinstance(response, FileResponse)
    assert body(response) == (build.path / "minato-budget-2021.csv").read_bytes()
    assert response["ETag"] == f'"{build.name}"'
    assert response["X-Data-Version"] == str(caching.read_data_version())
    assert response["Content-Length"] == str(build.files["minato-budget-2021.csv"])
    again = client.get(
        "/data/minato-budget-2021.csv",
        headers={"if-none-match": response["ETag"], "origin": "https://example.org"},
    )
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"  # a script's 304 is read
    assert client.get("/data/minato-budget-2019.csv").status_code == 404


def test_a_change_builds_the_files_anew(
    client, fy2021, settings, monkeypatch, django_capture_on_commit_callbacks
):
    first = opendata_build.build_open_data()
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = True
    started = []
    monkeypatch.setattr(opendata_build, "start_build", lambda: started.append(1))

    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.filter(no=1).update(name="x")  # no signal: no build
    with django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.get(no=1)
        project.name = "名前を直した事業"
        project.save()
        make_project(fiscal_year=fy2021, no=94)  # one build per transaction
    assert started == [1]
    second = opendata_build.build_open_data()

    assert second.version > first.version
    response = client.get("/data/minato-budget-2021.csv")
    assert response["ETag"] == f'"{second.name}"'
    assert "名前を直した事業" in body(response).decode()
    assert opendata_build.build_open_data() == second  # built already: kept


def test_the_command_builds_once_and_keeps_two_builds(fy2021, capsys):
    call_command("build_open_data")
    call_command("build_open_data")
    assert len(opendata_build.builds()) == 1
    for _ in range(3):
        call_command("build_open_data", "--force")

    assert len(opendata_build.builds()) == opendata_build.KEEP_BUILDS
    assert "Files of /data/ for data version" in capsys.readouterr().out


def test_a_build_is_started_in_a_process_of_its_own(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(
        opendata_build.subprocess,
        "Popen",
        lambda command, **kwargs: calls.append((command, kwargs)),
    )

    opendata_build.start_build()

    ((command, kwargs),) = calls
    assert command[-2:] == [str(settings.BASE_DIR / "manage.py"), "build_open_data"]
    assert kwargs["start_new_session"]


def test_one_builder_at_a_time(fy2021, private_open_data):
    private_open_data.mkdir(parents=True)
    with open(private_open_data / opendata_build.LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)

        assert opendata_build.build_open_data() is None
    assert opendata_build.build_open_data() is not None


# --- While a build runs ---------------------------------------------------------


def rebuilding(private_open_data) -> None:
    """As if a builder were at work (this test's own process, alive)."""
    (private_open_data / opendata_build.LOCK).write_text(str(os.getpid()))


def change(fy2021, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.get(no=1)
        project.name = "新しい名前"
        project.save()


def test_the_previous_build_is_sent_while_the_next_is_written(
    client, fy2021, django_capture_on_commit_callbacks, private_open_data
):
    previous = opendata_build.build_open_data()
    change(fy2021, django_capture_on_commit_callbacks)
    rebuilding(private_open_data)

    response = client.get("/data/minato-budget-2021.json")

    assert response["ETag"] == f'"{previous.name}"'
    assert response["X-Data-Version"] == str(previous.version)
    assert int(response["X-Data-Version"]) < caching.read_data_version()
    assert "新しい名前" not in body(response).decode()


def test_without_a_build_running_the_file_is_made_in_the_request(
    client, fy2021, django_capture_on_commit_callbacks, settings, monkeypatch
):
    opendata_build.build_open_data()
    change(fy2021, django_capture_on_commit_callbacks)
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = True
    started = []
    monkeypatch.setattr(opendata_build, "start_build", lambda: started.append(1))

    first = client.get("/data/minato-budget-2021.json")
    client.get("/data/minato-budget-2021.csv")

    assert not isinstance(first, FileResponse)
    assert first["X-Data-Version"] == str(caching.read_data_version())  # made now
    assert "新しい名前" in body(first).decode()
    assert started == [1]  # and a build started, once


def test_a_change_whose_builder_is_starting_is_sent_from_the_previous_build(
    client, fy2021, django_capture_on_commit_callbacks, settings, monkeypatch
):
    # helper-14: the new data, made in the request before the builder took its
    # lock, then the old data from the previous build until the new one was written
    previous = opendata_build.build_open_data()
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = True
    started = []
    monkeypatch.setattr(  # the builder's process, still starting
        opendata_build.subprocess, "Popen", lambda *a, **k: started.append(1)
    )
    change(fy2021, django_capture_on_commit_callbacks)
    assert started == [1] and not opendata_build.building()

    response = client.get("/data/minato-budget-2021.json")

    assert response["X-Data-Version"] == str(previous.version)
    assert "新しい名前" not in body(response).decode()


def test_a_builder_that_never_started_leaves_the_file_to_the_request_ever_after(
    client, fy2021, django_capture_on_commit_callbacks, settings, monkeypatch
):
    # helper-15: the request that made the file itself also asked for a build,
    # and every reader of the next 30 s got the previous build
    opendata_build.build_open_data()
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = True
    monkeypatch.setattr(opendata_build.subprocess, "Popen", lambda *a, **k: None)
    change(fy2021, django_capture_on_commit_callbacks)
    asked = opendata_build.root() / opendata_build.REQUESTED
    long_ago = time.time() - opendata_build.STARTING_SECONDS - 1
    os.utime(asked, (long_ago, long_ago))  # the change's builder never started

    answers = [client.get("/data/minato-budget-2021.json") for _ in range(3)]

    new = str(caching.read_data_version())
    assert [answer["X-Data-Version"] for answer in answers] == [new] * 3
    assert all("新しい名前" in body(answer).decode() for answer in answers)


def test_a_year_unpublished_is_not_sent_from_the_previous_build(
    client, fy2021, django_capture_on_commit_callbacks, private_open_data
):
    opendata_build.build_open_data()
    with django_capture_on_commit_callbacks(execute=True):
        FiscalYear.objects.filter(pk=fy2021.pk).update(is_published=False)
        caching.data_changed()
    rebuilding(private_open_data)

    assert client.get("/data/minato-budget-2021.csv").status_code == 404
    assert client.get("/data/minato-budget-all.json").status_code == 404
