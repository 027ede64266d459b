"""The budget records: fiscal years, their themes, departments and sections, projects.

Amounts are integers in thousands of yen (千円). "Not applicable" ("-" in the published
table) is NULL, never 0: 0 is a real amount (No 23 of FY2021 was requested, not funded).

One module per kind of record, each name importable from ``budgets.models`` as well
(the migrations name ``budgets.models.source_storage`` and ``new_public_id``):

- ``base``: the years allowed, the amounts' rules, ``Versioned``, ``DataVersion``;
- ``imports``: ``ImportEvent``, the history every record carries, ``Upload``;
- ``years``: ``FiscalYear`` and its ``Theme``;
- ``organisation``: ``Department``, ``Section`` and their successions (組織改正);
- ``lineages``: ``ProjectLineage``, the same project over the years;
- ``projects``: ``Project``, the rules of its amounts and search text, its queries;
- ``links``: ``ProjectLink``, a yearly project continuing an earlier one.
"""

from budgets.models.base import (
    AMOUNT_FIELDS,
    AMOUNT_VALIDATORS,
    DESCRIPTION_MAX,
    FIRST_YEAR,
    LAST_YEAR,
    DataVersion,
    Versioned,
)
from budgets.models.imports import (
    ImportedHistory,
    ImportEvent,
    Upload,
    history_records,
    source_storage,
)
from budgets.models.lineages import ProjectLineage, new_public_id
from budgets.models.links import ProjectLink, ProjectLinkQuerySet
from budgets.models.organisation import (
    Department,
    DepartmentQuerySet,
    DepartmentSuccession,
    DepartmentSuccessionQuerySet,
    Section,
    SectionQuerySet,
    SectionSuccession,
    SectionSuccessionQuerySet,
    Succession,
)
from budgets.models.projects import (
    SEARCH_TEXT_MAX,
    SEARCH_WORDS_MAX,
    Project,
    ProjectQuerySet,
    amount_problems,
)
from budgets.models.search import project_search_text, search_words
from budgets.models.years import FiscalYear, FiscalYearQuerySet, Theme, ThemeQuerySet

__all__ = [
    "AMOUNT_FIELDS",
    "AMOUNT_VALIDATORS",
    "DESCRIPTION_MAX",
    "FIRST_YEAR",
    "LAST_YEAR",
    "SEARCH_TEXT_MAX",
    "SEARCH_WORDS_MAX",
    "DataVersion",
    "Department",
    "DepartmentQuerySet",
    "DepartmentSuccession",
    "DepartmentSuccessionQuerySet",
    "FiscalYear",
    "FiscalYearQuerySet",
    "ImportEvent",
    "ImportedHistory",
    "Project",
    "ProjectLineage",
    "ProjectLink",
    "ProjectLinkQuerySet",
    "ProjectQuerySet",
    "Section",
    "SectionQuerySet",
    "SectionSuccession",
    "SectionSuccessionQuerySet",
    "Succession",
    "Theme",
    "ThemeQuerySet",
    "Upload",
    "Versioned",
    "amount_problems",
    "history_records",
    "new_public_id",
    "project_search_text",
    "search_words",
    "source_storage",
]
