"""Small includes the meetings pages use: `{% session_signals s %}`, `{% group_signal_summary group year %}`,
`{% signal_count counts group_id %}`."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

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


@register.simple_tag
def signal_count(counts, group_id, year):
    """Unexplained / all 真学真记 signals of the group's year, linked to their list: a badge, or nothing. Plain
    Python, not an include: the overview calls it for each of its 50 rows (meetings_tags.overview_rows)."""
    c = (counts or {}).get(group_id)  # selectors.SignalCount
    if c is None:
        return ""
    tone = "text-bg-warning" if c.open else "text-bg-secondary"
    url = reverse("integrity:group_signals", args=[group_id])
    return format_html('<a href="{}?year={}" class="badge {} text-decoration-none" title="未说明 / 全部">{}/{}</a>',
                       url, year, tone, c.open, c.total)
