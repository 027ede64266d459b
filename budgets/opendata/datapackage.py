"""datapackage.json: a Frictionless Data Package with a Fiscal Data Package model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from budgets.exporting import (
    CATEGORY_WORDS,
)
from budgets.models import FiscalYear
from budgets.opendata.core import (
    DICTIONARY,
    LICENCE_NAME,
    LICENCE_TITLE,
    LICENCE_URL,
    SOURCE_TITLE,
    SOURCE_URL,
    TITLE,
    TITLE_EN,
    filename,
)

# --- datapackage.json ------------------------------------------------------


def table_schema() -> dict:
    """Return the Frictionless Table Schema of the UTF-8 CSV."""
    fields = []
    for column in DICTIONARY:
        field: dict[str, Any] = {
            "name": column.header,
            "type": column.type,
            "title": column.key,
            "description": f"{column.ja} / {column.en}",
        }
        constraints: dict[str, Any] = {}
        if column.required:
            constraints["required"] = True
        if column.is_amount or column.type == "integer":
            constraints["minimum"] = 0
        if column.key == "category":
            constraints["enum"] = list(CATEGORY_WORDS.values())
        if constraints:
            field["constraints"] = constraints
        if column.is_amount:
            field["unit"] = "1000 JPY"
        fields.append(field)
    return {
        "fields": fields,
        "missingValues": [""],
        "primaryKey": ["年度", "No"],
    }


def _resource(year: int | None, title: str) -> dict:
    return {
        "name": f"minato-budget-{year or 'all'}",
        "title": title,
        "path": filename(year, "csv"),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": table_schema(),
    }


def fiscal_model(resource: str) -> dict:
    """Return the Fiscal Data Package model: the CSV's columns as measures and
    dimensions."""
    return {
        "measures": _fiscal_measures(resource),
        "dimensions": _fiscal_dimensions(resource),
    }


def _fiscal_measures(resource: str) -> dict:
    """Each amount column as a measure: thousands of yen, proposed or approved."""
    return {
        column.key: {
            "source": column.header,
            "resource": resource,
            "currency": "JPY",
            "factor": 1000,
            "direction": "expenditure",
            "phase": "proposed" if column.key.startswith("requested") else "approved",
            "title": column.en,
        }
        for column in DICTIONARY
        if column.is_amount
    }


def _fiscal_dimensions(resource: str) -> dict:
    """The year, the department and section, the theme and the project, each with
    the CSV columns it reads."""

    def attribute(header: str, **extra: str) -> dict:
        return {"source": header, "resource": resource, **extra}

    return {
        "fiscal-year": {
            "dimensionType": "datetime",
            "attributes": {"year": attribute("年度")},
            "primaryKey": "year",
        },
        "administrative-classification": {
            "dimensionType": "classification",
            "classificationType": "administrative",
            "attributes": {
                "department": attribute("部"),
                "section": attribute("課名", parent="department"),
            },
            "primaryKey": ["department", "section"],
        },
        "functional-classification": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "year": attribute("年度"),
                "code": attribute("施策番号"),
                "title": attribute("施策名", labelfor="code"),
            },
            "primaryKey": ["year", "code"],
        },
        "project": {
            "dimensionType": "activity",
            "attributes": {
                "year": attribute("年度"),
                "id": attribute("No"),
                "title": attribute("事業名", labelfor="id"),
                "category": attribute("二次経費区分"),
                "description": attribute("事業内容"),
            },
            "primaryKey": ["year", "id"],
        },
    }


def datapackage_descriptor(
    years: Iterable[FiscalYear], *, homepage: str
) -> dict[str, Any]:
    """Return datapackage.json: the all-years CSV first, then one CSV per year."""
    years = list(years)
    all_years = _resource(None, f"{TITLE}（公開中の全年度）")
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": "minato-budget",
        "title": TITLE,
        "description": (
            f"{TITLE_EN}. Amounts in thousands of yen; an empty cell means not "
            "applicable. Fiscal Data Package model (measures and dimensions) in "
            "`model`."
        ),
        "homepage": homepage,
        "keywords": ["港区", "予算", "budget", "Minato", "Tokyo", "fiscal"],
        "countryCode": "JP",
        "granularity": "aggregated",
        "licenses": [
            {"name": LICENCE_NAME, "path": LICENCE_URL, "title": LICENCE_TITLE}
        ],
        "sources": [{"title": SOURCE_TITLE, "path": SOURCE_URL}],
        "resources": [all_years]
        + [_resource(fy.year, fy.display_title) for fy in years],
        "model": fiscal_model(all_years["name"]),
    }
    if years:
        descriptor["fiscalPeriod"] = {
            "start": f"{years[0].year}-04-01",
            "end": f"{years[-1].year + 1}-03-31",
        }
    return descriptor
