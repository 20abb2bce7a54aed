from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.years import requested_year
from orgs import access as org_access

from . import selectors, services
from .forms import ExplainForm, RecheckForm


@login_required
@require_POST
def signal_explain(request, pk):
    signal = selectors.get_signal_for(request.user, pk)
    if not selectors.can_explain(request.user, signal.group):
        raise PermissionDenied("只有该中心组所在范围的督导人员可以说明这条提示")
    form = ExplainForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写情况说明")
    else:
        try:
            services.signal_explain(signal=signal, note=form.cleaned_data["note"], by=request.user)
            messages.success(request, "已记录情况说明")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    if signal.session_id:
        return redirect("meetings:detail", signal.session_id)
    return redirect("integrity:group_signals", signal.group_id)


@login_required
def group_signals(request, pk):
    group = org_access.get_group_for(request.user, pk)
    this_year = timezone.localdate().year
    year = requested_year(request, first=this_year - 10, last=this_year + 1)
    return render(request, "integrity/group_signals.html", {
        "group": group, "year": year, "signals": selectors.group_signals(group, year),
        "can_explain": selectors.can_explain(request.user, group), "form": ExplainForm()})


@login_required
def reuse_recheck_status(request, pk):
    """The progress of a background re-check (the page polls it while it runs)."""
    run = selectors.get_recheck_for(request.user, pk)
    return render(request, "integrity/_recheck_run.html", {"run": run})


@login_required
def reuse_match(request, pk):
    m = selectors.get_match_for(request.user, pk)
    return render(request, "integrity/match.html", {"m": m, "quotes": selectors.quotes_of([m.suspect, m.source])})


@login_required
def reuse_recheck(request):
    roots = org_access.supervised_roots(request.user)
    if not roots:
        raise Http404("您没有督导范围")
    units = org_access.units_visible(request.user).filter(path__startswith=roots[0].path) if len(roots) == 1 else \
        org_access.units_visible(request.user)
    units = [u for u in units.order_by("path")[:500] if org_access.can_supervise(request.user, u)]
    year, unit, result, status = timezone.localdate().year, roots[0], None, 200
    source = request.POST if request.method == "POST" else request.GET
    if source.get("unit") or source.get("year"):
        form = RecheckForm(source)
        if form.is_valid():
            year = form.cleaned_data["year"]
            unit = next((u for u in units if u.pk == form.cleaned_data["unit"]), None)
            if unit is None:
                raise Http404("没有找到这个单位")
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
            status = 400
    if request.method == "POST" and status == 200:
        result, run = services.reuse_recheck_request(unit=unit, year=year, by=request.user,
                                                     stale_only=request.POST.get("stale") == "1")
        if run is not None:
            messages.info(request, f"本范围有 {run.total} 篇文本，复查在后台进行，可离开本页，稍后回来查看结果")
            return redirect(f"{reverse('integrity:reuse_recheck')}?unit={unit.pk}&year={year}")
    stale = selectors.scope_stale(unit, year)
    return render(request, "integrity/recheck.html", {
        "units": units, "unit": unit, "year": year, "result": result, "run": selectors.latest_recheck(unit, year),
        "stale": stale, "stale_total": sum(k.count for k in stale), "matches": selectors.scope_matches(unit, year)},
        status=status)
