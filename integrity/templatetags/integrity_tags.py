"""Small includes the meetings pages use: `{% session_signals s %}`, `{% group_signal_summary group year %}`,
`{% signal_count counts group_id %}`."""

from django import template

from .. import selectors
from ..forms import ExplainForm

register = template.Library()


@register.inclusion_tag("integrity/_signals.html", takes_context=True)
def session_signals(context, session):
    user = context["request"].user
    return {"signals": selectors.session_signals(session), "can_explain": selectors.can_explain(user, session.group),
            "form": ExplainForm(), "csrf_token": context.get("csrf_token"), "request": context["request"]}


@register.inclusion_tag("integrity/_group_summary.html")
def group_signal_summary(group, year):
    counts = selectors.signal_counts([group.pk], year).get(group.pk)
    return {"group": group, "year": year, "c": counts}


@register.inclusion_tag("integrity/_count.html")
def signal_count(counts, group_id, year):
    return {"c": (counts or {}).get(group_id), "group_id": group_id, "year": year}
