"""django-import-export glue: the admin's import and export run on our own code.

The admin import keeps the library's flow (upload, preview, confirm, temporary file),
but reading, checking and writing are ``budgets.importing`` — the same code the
``import_budget_table`` command runs — so the two can never disagree and the import
keeps its speed (no query per row, no ``save()`` per row). The admin export writes
the project's CSV through ``budgets.exporting``, byte for byte what /projects.csv
serves, and an XLSX with the same columns.
"""

from __future__ import annotations

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from budgets import columns, importing, opendata
from budgets.exporting import CSV_HEADER, csv_chunks, project_rows
from budgets.models import ImportEvent, Project


class BudgetTableFormat(base_formats.Format):
    """Any shape of a year's table; the importer detects which from the content."""

    def __init__(self, encoding=None):
        self.encoding = None  # always bytes: the importer detects the encoding

    def get_title(self):
        return _("年度の表（PDF・PDF から写したテキスト・CSV・XLSX を自動判別）")

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode()
        dataset = tablib.Dataset(headers=["source"])
        dataset.append([f"{len(data)} bytes"])  # the admin refuses an empty dataset
        dataset.budget_source = data
        return dataset

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True


class ProjectCSVFormat(base_formats.CSV):
    """The project's CSV (UTF-8 with BOM, formulas neutralised)."""

    def export_data(self, dataset, **kwargs):
        queryset = getattr(dataset, "budget_queryset", None)
        if queryset is None:  # pragma: no cover - only our resource exports here
            return super().export_data(dataset, **kwargs)
        return "".join(csv_chunks(queryset))

    def can_import(self):
        return False


class ProjectXLSXFormat(base_formats.XLSX):
    """The open-data workbook: the same as /projects.xlsx (text cells shown as text
    with a quote prefix, not a ``'`` added to them; amounts as numbers)."""

    def export_data(self, dataset, **kwargs):
        queryset = getattr(dataset, "budget_queryset", None)
        if queryset is None:  # pragma: no cover - only our resource exports here
            return super().export_data(dataset, **kwargs)
        return opendata.xlsx(queryset)

    def can_import(self):
        return False


def _open_data_fields() -> dict[str, fields.Field]:
    """One read-only field per open-data column (budgets.columns), named by its key."""
    return {
        column.key: fields.Field(column_name=column.header, readonly=True)
        for column in columns.OPEN_DATA
    }


class ProjectResource(resources.ModelResource):
    """Projects in the open-data columns (budgets.columns.OPEN_DATA)."""

    # the class body's namespace: the fields are declared as if written out here
    vars().update(_open_data_fields())

    class Meta:
        model = Project
        fields = tuple(column.key for column in columns.OPEN_DATA)
        export_order = fields
        name = _("事業（オープンデータ形式）")

    # --- export --------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        dataset = tablib.Dataset(headers=list(CSV_HEADER))
        for row in project_rows(queryset):
            dataset.append(row)
        dataset.budget_queryset = queryset
        return dataset

    # --- import --------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        report = importing.import_table(
            dataset.budget_source,
            filename=kwargs.get("file_name") or "",
            dry_run=dry_run,
            publish=bool(kwargs.get("publish")),
            prune=bool(kwargs.get("prune")),
            user=kwargs.get("user"),
            via=ImportEvent.Via.ADMIN,
        )
        return report_to_result(report)


DIFF_HEADERS = [importing.COLUMN_LABELS[name] for name in ("no", "name")] + [
    str(_("変更"))
]


def report_to_result(report: importing.ImportReport) -> Result:
    """Express our report in the library's Result so its preview can show it."""
    result = Result()
    result.budget_report = report
    result.diff_headers = [str(h) for h in DIFF_HEADERS]
    for problem in report.problems:
        column = problem.column or NON_FIELD_ERRORS
        result.append_invalid_row(
            problem.line or 0,
            {problem.column or "": problem.value or ""},
            ValidationError({column: [str(problem)]}),
        )
    if report.plan is None:
        return result
    for year_plan in report.plan.years:
        for row in year_plan.new:
            result.append_row_result(
                _row_result(RowResult.IMPORT_TYPE_NEW, row, str(_("新規作成")))
            )
        for change in year_plan.changed:
            description = "; ".join(
                f"{c.label}: {c.old} → {c.new}" for c in change.changes
            )
            row_result = _row_result(
                RowResult.IMPORT_TYPE_UPDATE, change.row, description
            )
            row_result.object_id = change.project_id
            result.append_row_result(row_result)
        if report.plan.prune:
            for values in year_plan.missing:
                row_result = RowResult()
                row_result.import_type = RowResult.IMPORT_TYPE_DELETE
                row_result.object_id = values["id"]
                row_result.object_repr = f"No {values['no']} {values['name']}"
                row_result.diff = [values["no"], values["name"], str(_("削除"))]
                result.append_row_result(row_result)
        result.totals[RowResult.IMPORT_TYPE_SKIP] += len(year_plan.unchanged)
    for row_result in result.rows:
        result.increment_row_result_total(row_result)
    result.total_rows = sum(len(plan.rows) for plan in report.plan.years)
    return result


def _row_result(import_type: str, row: importing.ProjectRow, change: str) -> RowResult:
    row_result = RowResult()
    row_result.import_type = import_type
    row_result.object_repr = f"No {row.no} {row.name}"
    row_result.diff = [row.no, row.name, change]
    return row_result
