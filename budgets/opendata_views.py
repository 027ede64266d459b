"""/data/: the download page, the files of every published year, datapackage.json.

The page and datapackage.json are served through ``budgets.caching`` like the other
public pages. The files are sent from their build (``budgets.opendata_build``: built
once per data version outside the request) with the build's version as ETag; without
a build to send they are made in the request (streamed, flat in memory) and kept in
the page cache.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.http import FileResponse, Http404, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from budgets import downloads, opendata, opendata_build
from budgets.caching import CachedPageMixin, data_version, stamp


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


class LiveDownloadView(CachedPageMixin, View):
    """A file of /data/ made in the request (no build to send): CSV and JSON
    streamed, a workbook from a temporary file; kept in the page cache."""

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
        if fmt == "csv":
            response = downloads.csv_response(projects)
        elif fmt == "cp932.csv":
            response = downloads.cp932_response(projects)
        elif fmt == "xlsx":
            response = downloads.xlsx_or_csv_page(
                request, projects, csv_url=_file_url(year, "csv")
            )
        else:
            response = downloads.json_response(projects, years=years)
        if response.status_code != 200:  # the page that points to the CSV
            return response
        return downloads.attach(response, opendata.filename(number, fmt))


class DownloadView(View):
    """One published year (or all of them) in one format, sent from the build of
    the data (``budgets.opendata_build``); made in the request while there is no
    build to send, and a build started then."""

    live = staticmethod(LiveDownloadView.as_view())

    def get(self, request, year: str, fmt: str):
        version = data_version()
        build = opendata_build.build_to_serve(version)
        if build is None:
            opendata_build.note_served_live(version)
            _build_soon(version)
            response = self.live(request, year=year, fmt=fmt)
            if response.status_code in (200, 304):  # made now, of this version
                response["X-Data-Version"] = str(version)
            return response
        return _built_file(request, build, year, fmt)


_builds_started: set[int] = set()  # the data versions this process asked to build


def _build_soon(version: int) -> None:
    if settings.OPEN_DATA_BUILD_AFTER_CHANGE and version not in _builds_started:
        _builds_started.add(version)
        opendata_build.start_build()


def _built_file(request, build: opendata_build.Build, year: str, fmt: str):
    """The file from the build, with the build's own version in its ETag and
    ``X-Data-Version`` (the previous build while the next is written)."""
    name = opendata.filename(None if year == "all" else int(year), fmt)
    path = build.file(name)
    if path is None:
        if name in build.too_many_rows:
            return downloads.too_many_rows(
                request,
                rows=build.too_many_rows[name],
                limit=opendata_build.EXCEL_MAX_ROWS - 1,
                csv_url=_file_url(year, "csv"),
            )
        raise Http404
    etag = f'"{build.name}"'
    last_modified = build.version // 10**9
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = FileResponse(
            path.open("rb"), content_type=downloads.CONTENT_TYPES[fmt]
        )
        downloads.attach(response, name)
    if response.status_code in (200, 304):
        stamp(response, etag, last_modified)
        response["X-Data-Version"] = str(build.version)
    return response


def _file_url(year: str | int, fmt: str) -> str:
    return reverse("opendata:file", kwargs={"year": str(year), "fmt": fmt})


class DataPackageView(CachedPageMixin, View):
    def get(self, request):
        descriptor = opendata.datapackage_descriptor(
            opendata.published_years(),
            homepage=request.build_absolute_uri(reverse("opendata:data")),
        )
        return JsonResponse(
            descriptor, json_dumps_params={"ensure_ascii": False, "indent": 1}
        )
