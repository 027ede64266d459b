"""A project page's project, history and history table, read and made once in Python.

One module a job: ``reading`` the project, ``years`` its other years, ``facts`` what
the page says of the project, ``table`` the history table's rows.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``, "any
project page (random)"; benchmarks/LOAD.md, issue 11.5): the history table and chart
read plain rows (``values_list``, no model instances), and what each row shows
beside the page's own project (another name, another department, the change from
the year before) is worked out here once, not resolved cell by cell in the template.

Five measures go around Django for the same benchmark, each checked against what it
replaces by tests/test_project_page_speed.py (whole pages byte for byte too):

- the page's project, with its year, theme, section, department and import, is read
  with SQL compiled once per process from ``projects()`` and made into model
  instances as the ORM makes them (building and compiling the queryset with its
  five joins cost 0.9 ms; the database answers in 0.1 ms);
- the history's SQL is compiled once from ``ProjectQuerySet.of_lineage`` and run
  with each page's lineage (the UNION cost 0.9 ms to build, the database 0.1 ms);
- a row's link is filled into the URL pattern ``reverse()`` gave once (a reverse
  costs about 20 µs; a 20-year history asks for 19);
- the history table's rows are written here, not by a template loop (0.75 ms for
  20 rows; 0.25 ms here, with the same filters and the language asked once);
- so are the breadcrumb, the name, the list of facts and the amounts table
  (``facts``): some 40 template variables and filters and 17 translations.
"""

from budgets.project_page.facts import facts
from budgets.project_page.reading import RELATED, project, projects
from budgets.project_page.table import history_rows
from budgets.project_page.years import (
    VALUES,
    Row,
    Year,
    history,
    lineage_rows,
)

__all__ = [
    "RELATED",
    "VALUES",
    "Row",
    "Year",
    "facts",
    "history",
    "history_rows",
    "lineage_rows",
    "project",
    "projects",
]
