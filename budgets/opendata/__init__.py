"""Open data: the files of /data/, their data dictionary, licence and datapackage.json.

Every published year is offered as

- CSV, UTF-8 with a BOM: ``budgets.exporting.csv_chunks``, the project's own format;
- CSV, cp932 (Shift_JIS as Windows and Excel write it), for older tools. cp932 lacks
  some characters (FY2021 No 22 has "CO ₂", U+2082). Such a character is written as
  the first of these that cp932 can encode: the ideograph a radical look-alike stands
  for (⺠ → 民), the character Windows uses for it (— → ―), its NFKC form (₂ → 2),
  else an HTML numeric reference (𠮷 → ``&#x20BB7;``), so nothing is lost silently.
  The /data/ page lists every such replacement in the published data;
- XLSX: amounts as numbers, text as text cells that a spreadsheet never runs as a
  formula, and a second sheet with the data dictionary and the licence;
- JSON: the projects with the API's field names, amounts as numbers, ``null`` for
  "not applicable".

``datapackage_descriptor`` describes the UTF-8 CSVs as a Frictionless Data Package
(Table Schema per file) with a Fiscal Data Package ``model``: amounts as measures in
JPY with factor 1000, requested as phase "proposed" and budgeted as "approved", the
department and section as the administrative classification, the policy theme as the
functional one.

One module per file kind (``core`` what they share, ``cp932``, ``workbook``,
``json_document``, ``datapackage``); every name importable from ``budgets.opendata``.
"""

from budgets.opendata.core import (
    ATTRIBUTION,
    ATTRIBUTION_EN,
    CP932,
    CP932_CHARSET,
    DICTIONARY,
    FORMATS,
    GOVERNMENT_TERMS,
    LICENCE_NAME,
    LICENCE_TITLE,
    LICENCE_URL,
    SOURCE_TITLE,
    SOURCE_URL,
    TITLE,
    TITLE_EN,
    XLSX_CONTENT_TYPE,
    filename,
    projects_of,
    published_years,
    records,
)
from budgets.opendata.cp932 import (
    CP932_EQUIVALENTS,
    Replacement,
    cp932_chunks,
    cp932_replacement,
    cp932_replacements,
    to_cp932_text,
)
from budgets.opendata.datapackage import (
    datapackage_descriptor,
    fiscal_model,
    table_schema,
)
from budgets.opendata.json_document import (
    json_chunks,
    json_head,
)
from budgets.opendata.workbook import (
    write_xlsx,
    xlsx,
)

__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_EN",
    "CP932",
    "CP932_CHARSET",
    "CP932_EQUIVALENTS",
    "DICTIONARY",
    "FORMATS",
    "GOVERNMENT_TERMS",
    "LICENCE_NAME",
    "LICENCE_TITLE",
    "LICENCE_URL",
    "SOURCE_TITLE",
    "SOURCE_URL",
    "TITLE",
    "TITLE_EN",
    "XLSX_CONTENT_TYPE",
    "Replacement",
    "cp932_chunks",
    "cp932_replacement",
    "cp932_replacements",
    "datapackage_descriptor",
    "filename",
    "fiscal_model",
    "json_chunks",
    "json_head",
    "projects_of",
    "published_years",
    "records",
    "table_schema",
    "to_cp932_text",
    "write_xlsx",
    "xlsx",
]
