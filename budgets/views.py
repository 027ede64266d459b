"""Public pages. Thin: the queries live in budgets.models, the CSV in exporting.

Every public page is served through ``budgets.caching``: cached until the data change,
with ETag and Last-Modified. Only published fiscal years are ever shown.
"""

from __future__ import annotations

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, RedirectView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from budgets import citations, downloads, opendata, project_page
from budgets.caching import CachedPageMixin
from budgets.deferred_join import DeferredJoinPaginator
from budgets.filters import ProjectFilter
from budgets.models import (
    Department,
    DepartmentSuccession,
    FiscalYear,
    Project,
    SectionSuccession,
    Theme,
)
from budgets.text import as_html_reads


def _with_previous(rows: list) -> list[dict]:
    """Pair each row (oldest first) with the row of the year before it."""
    paired = []
    previous = None
    for row in rows:
        paired.append({"row": row, "previous": previous})
        previous = row
    return paired


class ForgivingPaginationMixin:
    """Show the nearest page for an out-of-range or unreadable number, not 404;
    a page's rows are read by their keys first (``budgets.deferred_join``)."""

    paginate_by = settings.PAGE_SIZE
    paginator_class = DeferredJoinPaginator

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class YearOverviewMixin(CachedPageMixin):
    """Totals of one published year: overall, by category, theme and department,
    each beside the previous published year's where there is one."""

    def overview(self, fiscal_year: FiscalYear, years: list[FiscalYear]) -> dict:
        """``years``: the published years, newest first."""
        previous = next((y for y in years if y.year < fiscal_year.year), None)
        return {
            "fiscal_year": fiscal_year,
            **fiscal_year.overview(previous),
            "years": years,
        }


class HomeView(YearOverviewMixin, TemplateView):
    template_name = "budgets/year_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = list(FiscalYear.objects.published().order_by("-year"))
        if years:
            context.update(self.overview(years[0], years))
        context["is_home"] = True
        return context


class YearView(YearOverviewMixin, DetailView):
    template_name = "budgets/year_detail.html"
    queryset = FiscalYear.objects.published()
    slug_field = slug_url_kwarg = "year"

    def get_context_data(self, **kwargs):
        years = list(FiscalYear.objects.published().order_by("-year"))
        return super().get_context_data(**kwargs) | self.overview(self.object, years)


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on their own: the site's icon."""

    permanent = False  # the file's collected name changes with its content

    def get_redirect_url(self, *args, **kwargs) -> str:
        # asked here, not when the URLs load: the manifest may be built later
        return static("budgets/favicon.svg")


class EchoedQueryMixin:
    """Filters that read the query as a browser reads it back from a page (a
    control character as U+FFFD, ``as_html_reads``): the list, its errors and a
    download's 400 echo what was asked. The API refuses such a query instead."""

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if kwargs["data"] is not None:
            data = kwargs["data"].copy()
            for key, values in data.lists():
                data.setlist(key, [as_html_reads(value) for value in values])
            kwargs["data"] = data
        return kwargs


class ProjectListView(
    CachedPageMixin, ForgivingPaginationMixin, EchoedQueryMixin, FilterView
):
    filterset_class = ProjectFilter
    queryset = Project.objects.published().with_related()
    template_name = "budgets/project_list.html"
    totals: dict[str, int] | None = None  # set before the page is counted

    def get_context_data(self, **kwargs):
        self.totals = self.object_list.totals() if not self.filterset.errors else None
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        # how many conditions the collapsed filter form holds, for its button
        context["filter_count"] = sum(
            1 for name in self.filterset.form.fields if self.request.GET.get(name)
        )
        context["totals"] = self.totals
        context["download_by_year"] = self.filterset.sorted_apart_from_years()
        return context

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if self.totals is not None:  # their count: no COUNT(*) of the rows again
            paginator.count = self.totals["count"]
        return paginator


class ProjectCSVView(CachedPageMixin, EchoedQueryMixin, FilterView):
    """The list's CSV: the same filters as /projects/, every matching row, streamed
    (or its workbook, see ``budgets.downloads``)."""

    filterset_class = ProjectFilter
    queryset = Project.objects.published()
    download = "csv"  # or "xlsx"

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            lines = [_("絞り込みの条件が正しくありません。")]
            for name, errors in filterset.errors.items():
                label = (
                    filterset.form.fields[name].label
                    if name in filterset.form.fields
                    else name
                )
                lines += [f"{label}: {error}" for error in errors]
            return HttpResponse(
                "\n".join(lines), status=400, content_type="text/plain; charset=utf-8"
            )
        year = filterset.is_bound and filterset.form.cleaned_data.get("year")
        encoding = request.GET.get("encoding", "utf-8").lower()
        if self.download == "xlsx":
            csv_url = reverse("budgets:project_csv")
            if request.GET:
                csv_url += "?" + request.GET.urlencode()
            response = downloads.xlsx_or_csv_page(
                request, filterset.qs, csv_url=csv_url
            )
            fmt = "xlsx"
        elif encoding in ("cp932", "shift_jis", "sjis"):
            response = downloads.cp932_response(filterset.qs)
            fmt = "cp932.csv"
        elif encoding in ("utf-8", "utf8"):
            response = downloads.csv_response(filterset.qs)
            fmt = "csv"
        else:
            return HttpResponse(
                _("encoding は utf-8 か cp932 を指定してください。"),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if response.status_code != 200:  # the page that points to the CSV
            return response
        # the names /data/ gives the same files; a part of them is named so
        filtered = filterset.keeps_part_of_a_year()
        name = opendata.filename(year.year if year else None, fmt, filtered=filtered)
        return downloads.attach(response, name)


class ProjectDetailView(CachedPageMixin, DetailView):
    template_name = "budgets/project_detail.html"

    def get_object(self, queryset=None):
        # get_object_or_404(project_page.projects(), …), from SQL compiled once
        return project_page.project(self.kwargs["year"], self.kwargs["no"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = project_page.history(self.object)
        context["citation"] = citations.of(self.object)
        return context


class ProjectsOfMixin(CachedPageMixin, ForgivingPaginationMixin, SingleObjectMixin):
    """A page about one object (a department, a theme) that lists its projects."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)


class DepartmentView(ProjectsOfMixin, ListView):
    """One department over the years: totals per year, then its projects."""

    template_name = "budgets/department_detail.html"

    def get_queryset(self):
        return (
            Project.objects.published()
            .filter(section__department=self.object)
            .with_related()
            .order_by("-fiscal_year__year", "no")
        )

    def get_context_data(self, **kwargs):
        by_year = list(self.get_queryset().totals_by("fiscal_year__year"))
        if not by_year:
            raise Http404
        context = super().get_context_data(**kwargs)
        context["department"] = self.object
        context["successions"] = list(
            DepartmentSuccession.objects.of_department(self.object).public()
        )
        context["section_successions"] = list(
            SectionSuccession.objects.of_sections_of(self.object).public()
        )
        context["by_year"] = by_year
        context["by_year_rows"] = _with_previous(by_year)
        return context

    def get_object(self, queryset=None):
        return get_object_or_404(Department, pk=self.kwargs["pk"])


class ThemeView(ProjectsOfMixin, ListView):
    """One theme of a published year, and the same-named theme in other years."""

    template_name = "budgets/theme_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Theme.objects.published(),
            fiscal_year__year=self.kwargs["year"],
            number=self.kwargs["number"],
        )

    def get_queryset(self):
        return (
            Project.objects.published()
            .filter(theme=self.object)
            .with_related()
            .order_by("no")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        theme = self.object
        projects = self.get_queryset()
        by_year = list(
            Project.objects.published()
            .filter(theme__name=theme.name)
            .totals_by("fiscal_year__year", "theme__number")
        )
        context |= {
            "theme": theme,
            "fiscal_year": theme.fiscal_year,
            "totals": projects.totals(),
            "by_department": sorted(
                projects.totals_by(
                    "section__department__id", "section__department__name"
                ),
                key=lambda row: -(row["budgeted"] or 0),
            ),
            "by_year": by_year,
            "by_year_rows": _with_previous(by_year),
        }
        return context


class LanguageView(View):
    """Remember the reader's language (a cookie) and go back to the page.

    A plain link, so that the switch works without JavaScript and the cached pages
    need no CSRF token.
    """

    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(super().as_view(**initkwargs))

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        if code not in dict(settings.LANGUAGES) or not check_for_language(code):
            raise Http404
        next_url = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=False
        ):
            next_url = "/"
        response = HttpResponseRedirect(next_url)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        )
        return response


class HealthView(View):
    """Answer "ok": for load balancers, and the load benchmark's baseline."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")
