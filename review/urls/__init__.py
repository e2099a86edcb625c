from django.urls import include, path

urlpatterns = [
    path("", include("review.urls.workflow")),
    path("", include("review.urls.dashboards")),
    path("", include("review.urls.exports")),
    path("", include("review.urls.public")),
    path("", include("review.urls.register")),
    path("", include("review.urls.results")),
    path("", include("review.urls.brands")),
]
