"""One list of the open-data columns: the CSV, the import, the admin and the data
dictionary all read it, so a column changes in one place."""

import csv
import io

import pytest
from django.utils import translation

from budgets import columns, exporting, opendata
from budgets.importing import COLUMN_LABELS, parse_table, read_source
from budgets.resources import ProjectResource

pytestmark = pytest.mark.django_db


def test_the_csv_header_is_the_registry_in_its_order():
    assert exporting.CSV_HEADER == (
        "年度",
        "施策番号",
        "施策名",
        "No",
        "部",
        "課名",
        "事業名",
        "二次経費区分",
        "事業内容",
        "要求額(千円)",
        "要求額うちレベルアップ(千円)",
        "予算額(千円)",
        "予算額うちレベルアップ(千円)",
        "系譜ID",
        "出典",
    )
    assert exporting.BACKUP_HEADER == (
        *exporting.CSV_HEADER,
        "表題",
        "公開",
        "前の事業",
        "組織改正",
        "出典ファイル",
        "出典の種類",
        "出典ファイル名",
        "出典ページ",
        "出典行",
        "出典シート",
        "出典公開",
        "管理画面で修正",
    )


def test_the_admin_resource_has_one_field_per_column_with_its_header():
    resource = ProjectResource()

    assert [f.column_name for f in resource.get_export_fields()] == list(
        exporting.CSV_HEADER
    )


def test_the_data_dictionary_and_the_problem_labels_come_from_the_registry():
    assert opendata.DICTIONARY == columns.OPEN_DATA
    assert COLUMN_LABELS["requested_levelup"] == "要求額（うちレベルアップ）"
    assert list(COLUMN_LABELS) == [column.key for column in columns.BACKUP]


def test_each_column_has_an_english_label():
    with translation.override("en"):
        labels = {column.key: str(column.english) for column in columns.BACKUP}

    assert labels["budgeted"] == "Budgeted amount (¥1,000)"
    assert labels["no"] == "No."
    japanese = [label for label in labels.values() if _has_japanese(label)]
    assert not japanese, japanese


def _has_japanese(text: str) -> bool:
    return any("\u3040" <= char <= "\u9fff" for char in text)


def test_only_text_columns_are_neutralised_and_category_is_written_as_its_word():
    assert [c.key for c in columns.BACKUP if c.neutralised] == [
        "theme_name",
        "department",
        "section",
        "name",
        "description",
        "title",
        "source_filename",
        "source_sheet",
    ]


def test_the_text_limits_are_the_model_fields_lengths():
    limits = {
        column.key: column.model_field().max_length
        for column in columns.OPEN_DATA
        if column.kind == columns.TEXT
    }

    assert limits == {
        "theme_name": 300,
        "department": 200,
        "section": 200,
        "name": 300,
        "description": 10_000,
    }


def test_every_csv_header_reads_back_as_its_column():
    header = io.StringIO()
    csv.writer(header).writerow(exporting.BACKUP_HEADER)

    table = parse_table(read_source(header.getvalue().encode()), year=2021)

    assert [p.message for p in table.problems] == ["事業の行が一つもありません。"]
