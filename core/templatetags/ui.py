from django import forms, template

register = template.Library()


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
