"""Import a year's table: read it, check every cell, show what would change, write it.

One code path for the management command and the admin. The table arrives as finance
staff have it: the text copied out of the published PDF (tab-separated, page headers
repeated, theme rows between projects), a CSV from Excel (UTF-8, UTF-8 with BOM or
cp932) in the seed's columns or in this project's open-data columns, or an XLSX.

One module per stage, each a plain function that can be tested alone:

``sources.read_source`` (bytes -> rows of cells) -> ``table.parse_table`` (rows ->
checked project rows, or problems; ``layout`` tells the kinds of row apart, ``rows``
reads each cell, ``headers`` knows the spellings) -> ``planning.plan_import`` (rows ->
what changes in the database) -> ``writing.apply_plan`` (write; ``bulk`` holds what
goes around the ORM for speed). ``service.import_table`` runs them all in one
transaction and writes nothing when any problem exists.
"""

from budgets.importing.headers import COLUMN_LABELS
from budgets.importing.planning import (
    FieldChange,
    ImportPlan,
    LineageLink,
    ProjectChange,
    YearPlan,
    field_label,
    plan_import,
)
from budgets.importing.problems import ImportRefused, Problem
from budgets.importing.rows import ProjectRow
from budgets.importing.service import ImportReport, import_table
from budgets.importing.sources import Source, SourceRow, read_source
from budgets.importing.table import ParsedTable, parse_table
from budgets.importing.writing import apply_plan

__all__ = [
    "COLUMN_LABELS",
    "FieldChange",
    "ImportPlan",
    "ImportRefused",
    "ImportReport",
    "LineageLink",
    "ParsedTable",
    "Problem",
    "ProjectChange",
    "ProjectRow",
    "Source",
    "SourceRow",
    "YearPlan",
    "apply_plan",
    "field_label",
    "import_table",
    "parse_table",
    "plan_import",
    "read_source",
]
