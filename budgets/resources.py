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
from django.conf import settings
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
            decisions=kwargs.get("decisions"),
            # set on the dataset by admin_import: the kept parse, the clerk's ticks
            accept_rounded_totals=getattr(dataset, "budget_accept_rounded", False),
            source=getattr(dataset, "budget_read", None),
            on_read=getattr(dataset, "budget_on_read", None),
            planned=getattr(dataset, "budget_planned", None),
        )
        if dry_run:  # the preview; a refused upload is removed, so never confirmed
            refuse_above_admin_limit(report)
        return report_to_result(report)


def refuse_above_admin_limit(report: importing.ImportReport) -> None:
    """Refuse a table of more projects than the admin takes (ADMIN_IMPORT_MAX_ROWS):
    its confirm could outlast a worker's timeout. The command has no limit."""
    limit = settings.ADMIN_IMPORT_MAX_ROWS
    rows = sum(len(plan.rows) for plan in report.plan.years) if report.plan else 0
    if rows > limit:
        report.problems.append(
            importing.Problem(
                _(
                    "この表には %(rows)s 件の事業があります。管理画面で取り込めるのは "
                    "%(limit)s 件までです。それより大きい表はコマンド "
                    "import_budget_table で取り込んでください。"
                )
                % {"rows": f"{rows:,}", "limit": f"{limit:,}"}
            )
        )


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
    # Only counts: the preview shows the plan itself (budget_report), and a result
    # per row cost 0.85 s for 20,000 rows that nothing read (admin_import.py).
    counts = report.counts()
    result.totals[RowResult.IMPORT_TYPE_NEW] = counts["new"]
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = counts["changed"]
    result.totals[RowResult.IMPORT_TYPE_SKIP] = counts["unchanged"]
    if report.plan.prune:
        result.totals[RowResult.IMPORT_TYPE_DELETE] = counts["missing"]
    result.total_rows = sum(len(plan.rows) for plan in report.plan.years)
    return result
