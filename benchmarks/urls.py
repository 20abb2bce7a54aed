from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import audit


@login_required
def baseline(request):
    """The floor: the same middleware, session and log-in check, and no work at all."""
    return HttpResponse("<html><body>ok</body></html>")


@login_required
def layout(request):
    """The floor of a page: the sidebar layout and its navigation context, with nothing in it."""
    from django.shortcuts import render

    return render(request, "base.html")


@csrf_exempt  # the burst client sends a CSRF token to both; exempting only spares the floor nothing measurable
@require_POST
@login_required
def baseline_write(request):
    """The floor for a write: the same middleware and log-in check, then one audit entry in one transaction —
    the smallest write a service makes (every check-in appends one too, under the same chain lock)."""
    with transaction.atomic():
        audit.record(action="bench.baseline", by=request.user, object_type="bench", object_id="0")
    return HttpResponse("<html><body>ok</body></html>")


urlpatterns = [path("bench/baseline", baseline), path("bench/layout", layout),
               path("bench/baseline-write", baseline_write),
               path("", include("config.urls"))]
