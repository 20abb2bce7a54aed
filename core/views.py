from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import AdminRole
from orgs import access, selectors
from orgs.models import MANAGING_ROLES, Membership

from . import audit, dashboard
from .models import AuditEntry


def _date_or_none(text):
    from django.utils.dateparse import parse_date

    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    memberships = []
    if user.person_id:
        memberships = list(Membership.objects.on(today).filter(person_id=user.person_id).select_related("group__unit"))
    supervised = access.supervised_roots(user)
    return render(request, "core/home.html", {
        "memberships": memberships, "supervised": supervised,
        "managing_roles": MANAGING_ROLES,
        "roots": selectors.tree_roots(user) if supervised else [],
        "cards": dashboard.cards(user, today),
    })


@login_required
def audit_log(request):
    access.require_admin_role(request.user, AdminRole.AUDIT)
    qs = AuditEntry.objects.order_by("-id")
    f = {k: (request.GET.get(k) or "").strip()[:64] for k in ("actor", "action", "object_type", "result", "date_from",
                                                              "date_to")}
    if f["actor"]:
        qs = qs.filter(actor_name__contains=f["actor"])
    if f["action"]:
        qs = qs.filter(action__startswith=f["action"])
    if f["object_type"]:
        qs = qs.filter(object_type=f["object_type"])
    if f["result"]:
        qs = qs.filter(result=f["result"])
    if day := _date_or_none(f["date_from"]):
        qs = qs.filter(ts__date__gte=day)
    if day := _date_or_none(f["date_to"]):
        qs = qs.filter(ts__date__lte=day)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    verified = audit.verify() if request.GET.get("verify") == "1" else None
    actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    return render(request, "core/audit_log.html", {"page": page, "f": f, "verified": verified,
                                                   "actions": sorted(set(actions))})
