from django.urls import path, re_path

from budgets import source_files, views

app_name = "budgets"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("years/<int:year>/", views.YearView.as_view(), name="year"),
    path(
        "years/<int:year>/themes/<int:number>/",
        views.ThemeView.as_view(),
        name="theme",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects.csv", views.ProjectCSVView.as_view(), name="project_csv"),
    path(
        "projects.xlsx",
        views.ProjectCSVView.as_view(download="xlsx"),
        name="project_xlsx",
    ),
    path(
        "projects/<int:year>/<int:no>/",
        views.ProjectDetailView.as_view(),
        name="project",
    ),
    re_path(
        r"^sources/(?P<sha256>[0-9a-f]{64})\.(?P<extension>pdf|txt|csv|xlsx)$",
        source_files.public,
        name="source_file",
    ),
    path("departments/<int:pk>/", views.DepartmentView.as_view(), name="department"),
    path("language/<str:code>/", views.LanguageView.as_view(), name="language"),
    path("health/", views.HealthView.as_view(), name="health"),
]
