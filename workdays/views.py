from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AdminRole
from core.years import requested_year
from orgs import access

from . import selectors, services
from .forms import OverrideForm
from .models import WorkdayOverride


@login_required
def calendar(request):
    # Keeping the calendar is system configuration: the system administrator's job (三员分立).
    access.require_admin_role(request.user, AdminRole.SYSTEM)
    today = timezone.localdate()
    year = requested_year(request, first=today.year - 5, last=today.year + 2)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.override_set(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "已保存")
            return redirect(f"{request.path}?year={form.cleaned_data['day'].year}")
    return render(request, "workdays/calendar.html", {
        "year": year, "status": selectors.year_status(year), "overrides": selectors.overrides_for(year),
        "form": form, "years": range(today.year - 1, today.year + 3),
    })


@login_required
@require_POST
def delete(request, pk):
    access.require_admin_role(request.user, AdminRole.SYSTEM)
    override = get_object_or_404(WorkdayOverride, pk=pk)
    year = override.day.year
    services.override_delete(override=override, by=request.user)
    messages.success(request, "已删除")
    return redirect(f"/workdays/?year={year}")
