"""Public pages. Thin: the queries live in budgets.models, the CSV in exporting."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from budgets.exporting import csv_chunks
from budgets.filters import ProjectFilter
from budgets.models import Department, FiscalYear, Project


class YearOverviewMixin:
    """Totals of one published year, overall, by theme and by department."""

    def overview(self, fiscal_year: FiscalYear) -> dict:
        projects = fiscal_year.projects.all()
        previous = (
            FiscalYear.objects.published()
            .filter(year__lt=fiscal_year.year)
            .order_by("-year")
            .first()
        )
        return {
            "fiscal_year": fiscal_year,
            "totals": projects.totals(),
            "by_theme": projects.totals_by("theme__number", "theme__id", "theme__name"),
            "by_department": projects.totals_by(
                "section__department__id", "section__department__name"
            ),
            "previous_year": previous,
            "previous_totals": previous.projects.totals() if previous else None,
            "years": FiscalYear.objects.published(),
        }


class HomeView(YearOverviewMixin, TemplateView):
    template_name = "budgets/year_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = FiscalYear.objects.published().order_by("-year").first()
        if latest is not None:
            context.update(self.overview(latest))
        context["is_home"] = True
        return context


class YearView(YearOverviewMixin, DetailView):
    template_name = "budgets/year_detail.html"
    queryset = FiscalYear.objects.published()
    slug_field = slug_url_kwarg = "year"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | self.overview(self.object)


class ProjectListView(FilterView):
    filterset_class = ProjectFilter
    queryset = Project.objects.published().with_related()
    template_name = "budgets/project_list.html"
    paginate_by = settings.PAGE_SIZE

    def paginate_queryset(self, queryset, page_size):
        """Show the nearest page for an out-of-range or unreadable number, not 404."""
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["totals"] = (
            self.object_list.totals() if not self.filterset.errors else None
        )
        return context


class ProjectCSVView(FilterView):
    """The list's CSV: the same filters as /projects/, every matching row, streamed."""

    filterset_class = ProjectFilter
    queryset = Project.objects.published()

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
        filename = f"minato-budget-{year.year if year else 'all'}.csv"
        response = StreamingHttpResponse(
            csv_chunks(filterset.qs), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ProjectDetailView(DetailView):
    template_name = "budgets/project_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Project.objects.published().with_related(),
            fiscal_year__year=self.kwargs["year"],
            no=self.kwargs["no"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.object
        context["history"] = (
            Project.objects.published()
            .filter(lineage=project.lineage_id)
            .select_related("fiscal_year")
            .order_by("fiscal_year__year")
            if project.lineage_id
            else [project]
        )
        return context


class DepartmentView(DetailView):
    template_name = "budgets/department_detail.html"
    queryset = Department.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projects = Project.objects.published().filter(section__department=self.object)
        if not projects.exists():
            raise Http404
        context["by_year"] = projects.totals_by("fiscal_year__year")
        context["projects"] = projects.with_related().order_by(
            "-fiscal_year__year", "no"
        )
        return context
