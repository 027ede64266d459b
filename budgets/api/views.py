"""The API's endpoints. Read-only, and only published fiscal years are ever served."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.exceptions import NotFound

from budgets.amounts import AMOUNT_MAX
from budgets.api.conditional import VersionedViewMixin
from budgets.api.filters import (
    APIProjectFilter,
    DepartmentFilter,
    SectionFilter,
    ThemeFilter,
)
from budgets.api.pagination import ForgivingPageNumberPagination
from budgets.models import Department, FiscalYear, Project, Section, Theme
from budgets.serializers import (
    DepartmentSerializer,
    FiscalYearSerializer,
    ProjectSerializer,
    SectionSerializer,
    ThemeSerializer,
)

BAD_PARAMETERS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="A parameter is invalid: for each one, the reasons (in Japanese).",
)
NOT_FOUND = OpenApiResponse(
    response=inline_serializer("NotFound", fields={"detail": serializers.CharField()}),
    description="No such object in a published fiscal year.",
)
AMOUNT_BOUND = {"type": "integer", "minimum": 0, "maximum": AMOUNT_MAX}


def published_projects() -> QuerySet[Project]:
    # the serializer reads the lineage's public id and the source's import
    return (
        Project.objects.published()
        .with_related()
        .select_related("lineage", "source_event")
    )


def is_whole_number(segment: str) -> bool:
    """Return True if a path segment is written in ASCII digits only, as the
    public pages' ``<int:…>`` converter reads them: not ``²``, ``٢٠٢١``, ``+1``
    or ``2_021``, which ``int()`` would also take."""
    return segment.isascii() and segment.isdigit() and len(segment) <= ID_DIGITS


ID_DIGITS = 19  # the longest number an id column holds (2**63 - 1)


class PublicAPIMixin(VersionedViewMixin):
    pagination_class = ForgivingPageNumberPagination
    # any segment, so a malformed id gets the API's JSON 404, not an HTML page
    lookup_value_regex = "[^/]+"

    def get_object(self):
        if not is_whole_number(self.kwargs[self.lookup_url_kwarg or self.lookup_field]):
            raise NotFound
        return super().get_object()


@extend_schema_view(
    list=extend_schema(
        summary="Published fiscal years with their totals",
        responses={200: FiscalYearSerializer(many=True), 400: BAD_PARAMETERS},
    ),
    retrieve=extend_schema(
        summary="One published fiscal year with its totals",
        responses={200: FiscalYearSerializer, 404: NOT_FOUND},
    ),
)
class FiscalYearViewSet(PublicAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Published fiscal years, newest first, each with its totals in 千円
    (requested, budgeted and their level-up parts)."""

    queryset = FiscalYear.objects.published().with_totals().order_by("-year")
    serializer_class = FiscalYearSerializer
    filter_backends: list = []
    lookup_field = "year"


@extend_schema_view(
    list=extend_schema(
        summary="Policy themes (施策の柱) of published years",
        responses={200: ThemeSerializer(many=True), 400: BAD_PARAMETERS},
    ),
    retrieve=extend_schema(
        summary="One policy theme", responses={200: ThemeSerializer, 404: NOT_FOUND}
    ),
)
class ThemeViewSet(PublicAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Policy themes (施策の柱) of published years, the newest year first, each
    year's by number; ``year`` keeps one year's."""

    queryset = Theme.objects.published().order_by("-fiscal_year__year", "number")
    serializer_class = ThemeSerializer
    filterset_class = ThemeFilter


@extend_schema_view(
    list=extend_schema(
        summary="Departments (部) with projects in published years",
        responses={200: DepartmentSerializer(many=True), 400: BAD_PARAMETERS},
    ),
    retrieve=extend_schema(
        summary="One department",
        responses={200: DepartmentSerializer, 404: NOT_FOUND},
    ),
)
class DepartmentViewSet(PublicAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Departments (部) with projects in published years, by name; ``year`` keeps
    those with projects that year."""

    queryset = Department.objects.with_published_projects().order_by("name", "id")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter


@extend_schema_view(
    list=extend_schema(
        summary="Sections (課) with projects in published years",
        responses={200: SectionSerializer(many=True), 400: BAD_PARAMETERS},
    ),
    retrieve=extend_schema(
        summary="One section", responses={200: SectionSerializer, 404: NOT_FOUND}
    ),
)
class SectionViewSet(PublicAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Sections (課) with projects in published years, by department and name;
    ``year`` keeps those with projects that year."""

    queryset = (
        Section.objects.with_published_projects()
        .select_related("department")
        .order_by("department__name", "name", "id")
    )
    serializer_class = SectionSerializer
    filterset_class = SectionFilter


@extend_schema_view(
    list=extend_schema(
        summary="Projects of published years: the list page's filters and sorting",
        parameters=[
            OpenApiParameter(
                "budgeted_min",
                AMOUNT_BOUND,
                description="予算額 (千円) at least this.",
            ),
            OpenApiParameter(
                "budgeted_max",
                AMOUNT_BOUND,
                description="予算額 (千円) at most this.",
            ),
        ],
        responses={200: ProjectSerializer(many=True), 400: BAD_PARAMETERS},
    ),
)
class ProjectViewSet(PublicAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Projects of published years, a page at a time, with the list page's filters
    and sorting. Amounts are whole 千円; null is not applicable, 0 is an amount."""

    queryset = published_projects()
    serializer_class = ProjectSerializer
    filterset_class = APIProjectFilter


class PublishedProjectMixin(VersionedViewMixin):
    """Find the project of ``year`` and ``no`` in a published year, or answer 404."""

    def get_project(self) -> Project:
        year, no = self.kwargs["year"], self.kwargs["no"]
        if not (is_whole_number(year) and is_whole_number(no)):
            raise NotFound
        return get_object_or_404(published_projects(), fiscal_year__year=year, no=no)


YEAR_AND_NO = [
    OpenApiParameter("year", int, OpenApiParameter.PATH, description="年度 (西暦)."),
    OpenApiParameter("no", int, OpenApiParameter.PATH, description="No in that year."),
]


@extend_schema(
    summary="One project (its permalink: year and No)",
    parameters=YEAR_AND_NO,
    responses={200: ProjectSerializer, 404: NOT_FOUND},
)
class ProjectDetailView(PublishedProjectMixin, generics.RetrieveAPIView):
    """One project of a published year, by its permalink: the year and its No."""

    serializer_class = ProjectSerializer

    def get_object(self) -> Project:
        return self.get_project()


@extend_schema(
    summary="The same project in every published year, oldest first",
    parameters=YEAR_AND_NO,
    responses={200: ProjectSerializer(many=True), 404: NOT_FOUND},
)
class ProjectHistoryView(PublishedProjectMixin, generics.ListAPIView):
    """The same project in every published year (its lineage: renamed, moved or
    renumbered, it is still the same project), oldest first."""

    serializer_class = ProjectSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        project = self.get_project()
        if project.lineage_id is None:
            return published_projects().filter(pk=project.pk)
        return published_projects().of_lineage(project)
