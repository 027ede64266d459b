"""/api/: the endpoints, the OpenAPI schema and its browsable docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from budgets.api import views
from budgets.api.conditional import versioned

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("years", views.FiscalYearViewSet, basename="year")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("sections", views.SectionViewSet, basename="section")
router.register("projects", views.ProjectViewSet, basename="project")

urlpatterns = [
    path("schema/", versioned(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="budgets/api_docs.html"
        ),
        name="docs",
    ),
    # any segment, so a malformed year or No gets the API's JSON 404, not a page
    re_path(
        r"^projects/(?P<year>[^/]+)/(?P<no>[^/]+)/$",
        views.ProjectDetailView.as_view(),
        name="project-detail",
    ),
    re_path(
        r"^projects/(?P<year>[^/]+)/(?P<no>[^/]+)/history/$",
        views.ProjectHistoryView.as_view(),
        name="project-history",
    ),
    *router.urls,
]
