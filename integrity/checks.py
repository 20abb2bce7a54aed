"""Start-up checks of integrity's settings: a threshold for a kind of text that does not exist would be ignored
silently, so `manage.py check` (and every start) names it."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def reuse_thresholds(app_configs, **kwargs):
    from .models import TextKind

    known = set(TextKind.values) - {TextKind.MATERIAL}
    return [Error(f"INTEGRITY_REUSE_THRESHOLDS 中的类别“{kind}”不存在",
                  hint="可用的类别：" + "、".join(sorted(known)), id="integrity.E001")
            for kind in getattr(settings, "INTEGRITY_REUSE_THRESHOLDS", {}) if kind not in known]
