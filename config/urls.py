from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from budgets.caching import revalidated
from budgets.feeds import UpdatesFeed
from budgets.sitemaps import SITEMAPS
from budgets.views import FaviconView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("budgets.api.urls")),
    path("data/", include("budgets.opendata_urls")),
    # with the data version's ETag and 304s (Django's feed sent Last-Modified but
    # answered If-Modified-Since with the whole feed: helper-14)
    path("feeds/updates.atom", revalidated(UpdatesFeed()), name="feed"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(
            template_name="robots.txt", content_type="text/plain; charset=utf-8"
        ),
        name="robots",
    ),
    # what browsers ask for on their own, the admin's pages too (the site's pages
    # link the icon)
    path("favicon.ico", FaviconView.as_view()),
    path("", include("budgets.urls")),
]
