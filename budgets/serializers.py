"""The API's JSON: what a fiscal year, theme, department, section and project look like.

Field names are the model's (``requested``, ``budgeted`` …); amounts are integers in
千円 and ``null`` is "not applicable", never 0. Every object carries the address of its
public page, so a reuser can link back to the source.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budgets import citations, eras
from budgets.models import Department, FiscalYear, Project, Section, Theme


class TotalsSerializer(serializers.Serializer):
    """The sums of a set of projects, in 千円."""

    count = serializers.IntegerField(help_text="Number of projects.")
    new_count = serializers.IntegerField(help_text="Number of new (新規) projects.")
    levelup_count = serializers.IntegerField(
        help_text="Number of level-up (レベルアップ) projects."
    )
    requested = serializers.IntegerField(help_text="Sum of 要求額 (千円).")
    requested_levelup = serializers.IntegerField(
        help_text="Sum of 要求額のうちレベルアップ (千円)."
    )
    budgeted = serializers.IntegerField(help_text="Sum of 予算額 (千円).")
    budgeted_levelup = serializers.IntegerField(
        help_text="Sum of 予算額のうちレベルアップ (千円)."
    )


class FiscalYearSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(
        help_text="令和3年度（2021年度） style label, in every language."
    )
    title = serializers.CharField(source="display_title", read_only=True)
    url = serializers.SerializerMethodField(help_text="The year's public page.")
    totals = serializers.SerializerMethodField()

    class Meta:
        model = FiscalYear
        fields = ["year", "label", "title", "url", "totals"]

    def get_label(self, fiscal_year: FiscalYear) -> str:
        return eras.dual_label(fiscal_year.year)  # a data field, not page text

    def get_url(self, fiscal_year: FiscalYear) -> str:
        return _absolute(self, fiscal_year.get_absolute_url())

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, fiscal_year: FiscalYear) -> dict[str, int]:
        return fiscal_year.totals()


class ThemeSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fiscal_year.year", read_only=True)

    class Meta:
        model = Theme
        fields = ["id", "year", "number", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The department's public page.")

    class Meta:
        model = Department
        fields = ["id", "name", "url"]

    def get_url(self, department: Department) -> str:
        return _absolute(self, department.get_absolute_url())


class SectionSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Section
        fields = ["id", "name", "department", "department_name"]


class ProjectThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "number", "name"]


class ProjectSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "name"]


class ProjectDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class SourceSerializer(serializers.Serializer):
    """Where a project's figures came from, as its public page cites it."""

    text = serializers.CharField(
        help_text="As the page cites it: 令和3年度当初予算 新規事業及びレベルアップ"
        "事業一覧（PDF）2 ページ. A file that is not public is cited by name only."
    )
    url = serializers.CharField(
        allow_null=True, help_text="The file (#page=N for a PDF), when it is public."
    )
    kind = serializers.CharField(help_text="pdf, text, csv, xlsx; admin for an edit.")
    page = serializers.IntegerField(allow_null=True, help_text="A PDF's page.")
    line = serializers.IntegerField(
        allow_null=True, help_text="The line (a PDF's: on its page; an XLSX's row)."
    )
    sheet = serializers.CharField(help_text="An XLSX's sheet; empty otherwise.")


class ProjectSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fiscal_year.year", read_only=True)
    theme = ProjectThemeSerializer(read_only=True)
    department = ProjectDepartmentSerializer(
        source="section.department", read_only=True
    )
    section = ProjectSectionSerializer(read_only=True)
    category_label = serializers.CharField(
        source="get_category_display", read_only=True
    )
    lineage = serializers.CharField(
        source="lineage.public_id",
        read_only=True,
        allow_null=True,
        help_text="The lineage's public id (系譜ID): the same project in other years "
        "shares it, and it never changes once published (the open data's 系譜ID).",
    )
    url = serializers.SerializerMethodField(help_text="The project's public page.")
    history_url = serializers.SerializerMethodField(
        help_text="This project in every published year (API)."
    )
    source = serializers.SerializerMethodField(
        help_text="Where the figures came from (出典); null when not recorded."
    )

    class Meta:
        model = Project
        fields = [
            "year",
            "no",
            "name",
            "category",
            "category_label",
            "description",
            "theme",
            "department",
            "section",
            "requested",
            "requested_levelup",
            "budgeted",
            "budgeted_levelup",
            "lineage",
            "url",
            "history_url",
            "source",
        ]
        extra_kwargs = {
            "requested": {"help_text": "要求額 (千円)."},
            "requested_levelup": {
                "help_text": "要求額のうちレベルアップ (千円); null for new projects."
            },
            "budgeted": {"help_text": "予算額 (千円)."},
            "budgeted_levelup": {
                "help_text": "予算額のうちレベルアップ (千円); null for new projects."
            },
        }

    def get_url(self, project: Project) -> str:
        return _absolute(self, project.get_absolute_url())

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, project: Project) -> dict | None:
        citation = citations.of(project)
        if citation is None:
            return None
        url = _absolute(self, citation.url) if citation.url else None
        return {
            "text": citation.text,
            "url": url,
            "kind": citation.kind,
            "page": citation.page,
            "line": citation.line,
            "sheet": citation.sheet,
        }

    def get_history_url(self, project: Project) -> str:
        return _absolute(
            self,
            reverse(
                "api:project-history",
                kwargs={"year": project.fiscal_year.year, "no": project.no},
            ),
        )


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path
