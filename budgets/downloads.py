"""The downloads' responses: CSV and JSON streamed, a workbook from a temporary file.

Every body is made row by row from an ``.iterator()`` over the projects, one
query a year (``budgets.exporting.project_rows``, ``budgets.opendata.records``, both
through ``budgets.year_by_year``), so a worker's memory stays flat whatever the
number of rows:

- the CSVs (UTF-8 and cp932) and the JSON stream, their first byte sent as soon as
  the first rows are read;
- a workbook is written row by row (openpyxl's write-only mode) into a temporary
  file, then sent from it; above ``settings.XLSX_MAX_ROWS`` rows the reader gets a
  page (400) that links the same rows as CSV instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render

from budgets import opendata
from budgets.exporting import csv_chunks
from budgets.models import Project

CHUNK_BYTES = 64 * 1024  # a streamed body leaves in pieces of about this size

CSV_TYPE = "text/csv; charset=utf-8"
CP932_TYPE = f"text/csv; charset={opendata.CP932_CHARSET}"
JSON_TYPE = "application/json; charset=utf-8"
CONTENT_TYPES = {
    "csv": CSV_TYPE,
    "cp932.csv": CP932_TYPE,
    "json": JSON_TYPE,
    "xlsx": opendata.XLSX_CONTENT_TYPE,
}


def in_pieces(chunks: Iterable[str | bytes]) -> Iterator[bytes]:
    """Join a body's many small chunks (one per row) into pieces of CHUNK_BYTES."""
    piece: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        piece.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(piece)
            piece, size = [], 0
    if piece:
        yield b"".join(piece)


def csv_response(queryset: QuerySet[Project]) -> StreamingHttpResponse:
    return StreamingHttpResponse(in_pieces(csv_chunks(queryset)), content_type=CSV_TYPE)


def cp932_response(queryset: QuerySet[Project]) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        in_pieces(opendata.cp932_chunks(queryset)), content_type=CP932_TYPE
    )


def json_response(
    queryset: QuerySet[Project], *, years: list[int]
) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        in_pieces(opendata.json_chunks(queryset, years=years)),
        content_type=JSON_TYPE,
    )


def xlsx_response(queryset: QuerySet[Project]) -> FileResponse:
    """Write the workbook into a temporary file and send it from there; the file
    goes when the response is closed."""
    workbook = tempfile.NamedTemporaryFile(suffix=".xlsx")
    try:
        opendata.write_xlsx(queryset, workbook)
        workbook.seek(0)
    except BaseException:
        workbook.close()
        raise
    return FileResponse(workbook, content_type=opendata.XLSX_CONTENT_TYPE)


def too_many_rows(
    request: HttpRequest, *, rows: int, limit: int, csv_url: str
) -> HttpResponse:
    """The page a reader gets instead of a workbook too long to make: 400, with
    a link to the same rows as CSV."""
    separator = "&" if "?" in csv_url else "?"
    return render(
        request,
        "budgets/too_many_rows.html",
        {
            "rows": rows,
            "limit": limit,
            "csv_url": csv_url,
            "cp932_url": f"{csv_url}{separator}encoding=cp932",
        },
        status=400,
    )


def xlsx_or_csv_page(
    request: HttpRequest, queryset: QuerySet[Project], *, csv_url: str
) -> HttpResponseBase:
    """The workbook of the projects, or the page that points to the CSV when they
    are more than ``settings.XLSX_MAX_ROWS``."""
    rows = queryset.count()
    if rows > settings.XLSX_MAX_ROWS:
        return too_many_rows(
            request, rows=rows, limit=settings.XLSX_MAX_ROWS, csv_url=csv_url
        )
    return xlsx_response(queryset)


def attach(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """Have the browser save the body as a file of this name."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
