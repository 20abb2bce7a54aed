import re
from functools import lru_cache

from django import forms, template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@lru_cache(maxsize=128)
def _nav_reverse(name, prefix):
    return reverse(name)


@register.simple_tag
def nav_url(name):
    """`{% url %}` for the sidebar's links (no arguments), reversed once per process: every page shows about 25
    of them, and reversing them was a third of the base template's time. The script prefix is part of the
    key, so a deployment under a sub-path still gets its own."""
    return _nav_reverse(name, get_script_prefix())


NAV_FLAGS = ("nav_is_sysadmin", "nav_is_secadmin", "nav_is_auditadmin", "nav_supervises", "nav_staff")
_NUMBERS = re.compile(r"\d+")
_UNREAD, _MY_URL = "\x00unread\x00", "\x00my-url\x00"  # never in a path or a flag, so never in the HTML otherwise


@lru_cache(maxsize=512)
def _sidebar_html(flags, shape, unread, has_person, prefix):
    context = dict(zip(NAV_FLAGS, flags, strict=True), p=shape, has_person=has_person, my_url=_MY_URL,
                   nav_unread_notices=_UNREAD if unread else 0)
    return render_to_string("core/_sidebar.html", context)


@register.simple_tag(takes_context=True)
def sidebar(context):
    """The sidebar, the same HTML for everyone with the same roles on the same kind of page: rendered once per
    process for each (role flags, path with its numbers as 0, has unread notices, has a person) and cached —
    at least seven included templates and thirty links that every page used to render again. The bound (512)
    keeps odd paths typed by hand from growing it. The unread count and the person's own page are filled in
    here; both are numbers, escaped all the same."""
    user = context["user"]
    unread = context.get("nav_unread_notices") or 0
    shape = _NUMBERS.sub("0", context["request"].path)[:200]
    render = _sidebar_html.__wrapped__ if settings.DEBUG else _sidebar_html  # a template edit shows at once
    html = render(tuple(bool(context.get(k)) for k in NAV_FLAGS), shape, bool(unread), bool(user.person_id),
                  get_script_prefix())
    html = html.replace(_UNREAD, escape(unread))
    if user.person_id:
        html = html.replace(_MY_URL, escape(reverse("orgs:person", args=[user.person_id])))
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped); the two fillers escaped


@register.filter
def bs(field):
    """Render a form field with Bootstrap's class, marking it invalid when it has errors."""
    widget = field.field.widget
    if isinstance(widget, forms.Select):
        css = "form-select"
    elif isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def action_label(code):
    from core.audit import ACTION_LABELS

    return ACTION_LABELS.get(code, code)


@register.simple_tag(takes_context=True)
def idempotency_field(context):
    """The hidden key a create form is issued with; a re-rendered form keeps the key it was posted with."""
    from django.utils.html import format_html

    from core.idempotency import _VALID, FIELD, new_key

    request = context.get("request")
    posted = (request.POST.get(FIELD) or "") if request is not None and request.method == "POST" else ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, posted if _VALID.match(posted) else new_key())
