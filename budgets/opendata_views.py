"""/data/: the download page, the files of every published year, datapackage.json.

Served through ``budgets.caching`` like the other public pages: each page and file is
built once per data version, then sent from the cache, with ETag and 304s.
"""

from __future__ import annotations

import json
from functools import wraps

from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from budgets import opendata
from budgets.caching import CachedPageMixin
from budgets.exporting import csv_chunks

OPEN = {"Access-Control-Allow-Origin": "*"}  # open data: any site may fetch it


class OpenFileMixin(CachedPageMixin):
    """Serve a file through the page cache, and let any site fetch it (a 304 too)."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)

        @wraps(view)
        def open_to_all(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            for header, value in OPEN.items():
                response[header] = value
            return response

        return open_to_all


class DataView(CachedPageMixin, TemplateView):
    template_name = "budgets/data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = list(opendata.published_years())
        counts = dict(
            opendata.projects_of(None)
            .order_by()
            .values_list("fiscal_year__year")
            .annotate(n=Count("id"))
        )
        context.update(
            years=[
                {
                    "fiscal_year": fy,
                    "count": counts.get(fy.year, 0),
                    "files": _files(fy.year),
                }
                for fy in reversed(years)
            ],
            all_files=_files(None) if years else [],
            total=sum(counts.values()),
            dictionary=opendata.DICTIONARY,
            replacements=opendata.cp932_replacements(opendata.projects_of(None)),
            opendata=opendata,
        )
        return context


FORMAT_LABELS = {
    "csv": _("CSV（UTF-8、BOM 付き）"),
    "cp932.csv": _("CSV（Shift_JIS／cp932）"),
    "xlsx": _("Excel（XLSX）"),
    "json": _("JSON"),
}


def _files(year: int | None) -> list[dict]:
    return [
        {
            "label": FORMAT_LABELS[fmt],
            "format": fmt,
            "name": opendata.filename(year, fmt),
            "url": reverse(
                "opendata:file",
                kwargs={"year": str(year or "all"), "fmt": fmt},
            ),
        }
        for fmt in opendata.FORMATS
    ]


class DownloadView(OpenFileMixin, View):
    """One published year (or all of them) in one format."""

    def get(self, request, year: str, fmt: str):
        if year == "all":
            number = None
            years = [fy.year for fy in opendata.published_years()]
        else:
            number = int(year)
            years = [number]
        if not opendata.published_years().filter(year__in=years).exists():
            raise Http404
        projects = opendata.projects_of(number)
        name = opendata.filename(number, fmt)
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_chunks(projects), content_type="text/csv; charset=utf-8"
            )
        elif fmt == "cp932.csv":
            response = HttpResponse(
                opendata.cp932_csv(projects),
                content_type=f"text/csv; charset={opendata.CP932_CHARSET}",
            )
        elif fmt == "xlsx":
            response = HttpResponse(
                opendata.xlsx(projects), content_type=opendata.XLSX_CONTENT_TYPE
            )
        else:
            response = HttpResponse(
                json.dumps(
                    opendata.json_document(projects, years=years),
                    ensure_ascii=False,
                    indent=1,
                ),
                content_type="application/json; charset=utf-8",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DataPackageView(OpenFileMixin, View):
    def get(self, request):
        descriptor = opendata.datapackage_descriptor(
            opendata.published_years(),
            homepage=request.build_absolute_uri(reverse("opendata:data")),
        )
        return JsonResponse(
            descriptor, json_dumps_params={"ensure_ascii": False, "indent": 1}
        )
