"""The site's home page served elsewhere: a URL conf for tests/test_rendered_once.py."""

from django.urls import include, path

from budgets import views

home = path("", views.HomeView.as_view(), name="home")
urlpatterns = [path("elsewhere/", include(([home], "budgets")))]
