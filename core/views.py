from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import AdminRole
from orgs import access, selectors
from orgs.models import MANAGING_ROLES

from . import audit, audit_display, dashboard
from .models import AuditEntry
from .pagecache import cached_page
from .xlsx import write_workbook, xlsx_response


def _date_or_none(text):
    from django.utils.dateparse import parse_date

    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
@cached_page("home")
def home(request):
    user = request.user
    today = timezone.localdate()
    memberships = access.my_groups_today(user)  # read once a request, with the roles every page asks for
    supervised = access.supervised_roots(user)
    return render(request, "core/home.html", {
        "memberships": memberships, "supervised": supervised,
        "managing_roles": MANAGING_ROLES,
        "roots": selectors.tree_roots(user) if supervised else [],
        "cards": dashboard.cards(user, today),
    })


def _audit_filtered(request):
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
    # Days are local (Asia/Shanghai) days, not UTC ones: ts__date converts with the current time zone.
    if day := _date_or_none(f["date_from"]):
        qs = qs.filter(ts__date__gte=day)
    if day := _date_or_none(f["date_to"]):
        qs = qs.filter(ts__date__lte=day)
    return qs, f


def _audit_rows(entries):
    names = audit_display.object_names(entries)
    return [{"e": e, "name": names.get(e.id, ""), "type": audit_display.type_label(e.object_type),
             "changes": audit_display.changes(e)} for e in entries]


@login_required
def audit_log(request):
    access.require_admin_role(request.user, AdminRole.AUDIT)
    qs, f = _audit_filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    verified = audit.verify() if request.GET.get("verify") == "1" else None
    actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    return render(request, "core/audit_log.html", {"page": page, "rows": _audit_rows(list(page)), "f": f,
                                                   "verified": verified, "actions": sorted(set(actions)),
                                                   "head": audit.current_head()})


AUDIT_EXPORT_MAX_ROWS = 200_000


@login_required
def audit_export(request):
    """The filtered period as .xlsx for the audit administrator (a period is required: no 'everything')."""
    access.require_admin_role(request.user, AdminRole.AUDIT)
    qs, f = _audit_filtered(request)
    start, end = _date_or_none(f["date_from"]), _date_or_none(f["date_to"])
    if not start or not end or start > end:
        messages.error(request, "请先选择导出的起止日期")
        return redirect(f"{reverse('audit_log')}?{request.GET.urlencode()}")
    count = qs.count()
    if count > AUDIT_EXPORT_MAX_ROWS:
        messages.error(request, f"该期间共 {count} 条，超过单次导出上限 {AUDIT_EXPORT_MAX_ROWS} 条，请缩短期间")
        return redirect(f"{reverse('audit_log')}?{request.GET.urlencode()}")
    headers = ["序号", "时间", "操作人", "地址", "操作", "操作代码", "对象类型", "对象", "结果", "变更", "哈希"]
    rows = []
    entries = list(qs.order_by("id"))
    for chunk_start in range(0, len(entries), 1000):
        chunk = entries[chunk_start:chunk_start + 1000]
        names = audit_display.object_names(chunk)
        for e in chunk:
            rows.append([e.id, timezone.localtime(e.ts).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.address,
                         audit.ACTION_LABELS.get(e.action, e.action), e.action,
                         audit_display.type_label(e.object_type), names.get(e.id, ""),
                         "成功" if e.result == "ok" else e.result, audit_display.changes_text(e), e.hash])
    head = audit.current_head()
    notes = [f"审计日志 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}，共 {len(rows)} 条", f"导出时{head.text}",
             f"导出人：{request.user.username}，时间：{timezone.localtime():%Y-%m-%d %H:%M:%S}"]
    content = write_workbook("审计日志", headers, rows, widths={2: 20, 8: 30, 10: 60, 11: 66}, notes=notes)
    audit.record(action="audit.export", by=request.user,
                 after={"date_from": start, "date_to": end, "rows": len(rows)})
    return xlsx_response(f"审计日志_{start:%Y%m%d}-{end:%Y%m%d}.xlsx", content)


class HeadCheckForm(forms.Form):
    seq = forms.IntegerField(label="序号", min_value=0, max_value=2**62,
                             error_messages={"invalid": "序号应为整数", "required": "请填写序号"})
    digest = forms.CharField(label="哈希", max_length=80, error_messages={"required": "请填写哈希"})


@login_required
def audit_heads(request):
    """Published heads (the file written daily) and a form to check one against the chain."""
    access.require_admin_role(request.user, AdminRole.AUDIT)
    check = None
    form = HeadCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = audit.check_published(form.cleaned_data["seq"], form.cleaned_data["digest"])
    heads = list(reversed(audit.published_heads()))[:200]
    return render(request, "core/audit_heads.html", {
        "form": form, "check": check, "heads": heads, "head": audit.current_head(), "head_file": audit.head_file(),
        "retention_days": audit.retention_days(),
    })
