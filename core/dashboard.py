"""工作台: what needs doing today, gathered from each study app's `dashboard.py`.

core does not import the study apps; settings.DASHBOARD_PROVIDERS names a `cards(user, today)` function
per app (as Django names its context processors), so an app is added or removed in one place. Each
provider reads only the user's own groups and subtrees, through the apps' access modules, and must stay
cheap: the home page is the page everyone opens first.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class Item:
    text: str
    url: str
    meta: str = ""
    badge: str = ""
    tone: str = "secondary"  # bootstrap colour of the badge: danger (overdue), warning (needs you), info…


@dataclass
class Card:
    title: str
    icon: str  # bootstrap-icons name
    items: list = field(default_factory=list)
    more_url: str = ""
    more_label: str = ""
    order: int = 50  # lower first: what the user must act on before what they may read


def cards(user, today):
    if not user.is_authenticated:
        return []
    out = []
    for path in getattr(settings, "DASHBOARD_PROVIDERS", []):
        out += [c for c in import_string(path)(user, today) if c.items]
    return sorted(out, key=lambda c: c.order)
