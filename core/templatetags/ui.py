from functools import lru_cache

from django import forms, template
from django.urls import get_script_prefix, reverse

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
