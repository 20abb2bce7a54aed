from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def baseline(request):
    """The floor: the same middleware, session and log-in check, and no work at all."""
    return HttpResponse("<html><body>ok</body></html>")


urlpatterns = [path("bench/baseline", baseline), path("", include("config.urls"))]
