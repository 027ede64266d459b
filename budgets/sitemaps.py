"""sitemap.xml: the public pages of published years, never a draft's."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from budgets.models import Department, FiscalYear, Project


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return ["budgets:home", "budgets:project_list", "opendata:data"]

    def location(self, item: str) -> str:
        return reverse(item)


class FiscalYearSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return FiscalYear.objects.published().order_by("year")

    def lastmod(self, fiscal_year: FiscalYear):
        return fiscal_year.updated_at


class ProjectSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return (
            Project.objects.published()
            .select_related("fiscal_year")
            .order_by("fiscal_year__year", "no")
        )

    def lastmod(self, project: Project):
        return project.updated_at


class DepartmentSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return Department.objects.with_published_projects().order_by("id")


SITEMAPS = {
    "pages": PageSitemap,
    "years": FiscalYearSitemap,
    "departments": DepartmentSitemap,
    "projects": ProjectSitemap,
}
