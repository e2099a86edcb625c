"""The project's URLs plus ``/bench/trivial/``: the cheapest logged-in response (session,
user, every middleware, no template), the yardstick the load test divides by."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("wujin_branch.urls")),
]
