"""The peer's only route: /feed.atom."""

from django.urls import path

from .feeds import LatestReleases

urlpatterns = [path("feed.atom", LatestReleases())]
