from django.urls import path, re_path

from budgets import opendata_views

app_name = "opendata"

urlpatterns = [
    path("", opendata_views.DataView.as_view(), name="data"),
    path(
        "datapackage.json",
        opendata_views.DataPackageView.as_view(),
        name="datapackage",
    ),
    re_path(
        r"^minato-budget-(?P<year>[0-9]{4}|all)\.(?P<fmt>csv|cp932\.csv|xlsx|json)$",
        opendata_views.DownloadView.as_view(),
        name="file",
    ),
]
