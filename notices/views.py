from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from orgs import access

from .models import Delivery, Status


def deliveries_for(user):
    """The system administrator sees every delivery (without the notice's text: 三员 read no study records);
    a group's 组长, 副组长 and 学习秘书 see those their group's actions caused."""
    if access.is_sysadmin(user):
        return Delivery.objects.select_related("group"), False
    groups = access.managed_group_ids(user)
    if not groups:
        raise Http404("没有可查看的投递记录")
    return Delivery.objects.filter(group_id__in=groups).select_related("group"), True


@login_required
def deliveries(request):
    rows, show_text = deliveries_for(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "notices/deliveries.html", {"page": page, "show_text": show_text, "status": status,
                                                        "statuses": Status.choices})
