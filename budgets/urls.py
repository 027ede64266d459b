from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("years/<int:year>/", views.YearView.as_view(), name="year"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects.csv", views.ProjectCSVView.as_view(), name="project_csv"),
    path(
        "projects/<int:year>/<int:no>/",
        views.ProjectDetailView.as_view(),
        name="project",
    ),
    path("departments/<int:pk>/", views.DepartmentView.as_view(), name="department"),
]
