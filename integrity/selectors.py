"""Reads for pages and the API: signals of a session, a group, counts for the supervisor's overview."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from orgs import access as org_access

from .models import IntegritySignal, QuoteFound, ReuseMatch, ReuseRecheck, TextKind
from .reuse_report import scope_texts, shown_matches, threshold


@dataclass
class SignalCount:
    open: int
    explained: int

    @property
    def total(self):
        return self.open + self.explained


def signal_counts(group_ids, year):
    """{group_id: SignalCount} for the groups that have any signal in the year; one aggregate query.
    `group_ids`: ids, or a queryset of them (a subquery: a province's 10,000 ids as parameters cost more to bind
    than the aggregate itself)."""
    if not isinstance(group_ids, QuerySet):
        group_ids = list(group_ids)
    rows = (IntegritySignal.objects.filter(group_id__in=group_ids, year=year).values("group_id")
            .annotate(open=Count("id", filter=Q(explained_at__isnull=True)),
                      explained=Count("id", filter=Q(explained_at__isnull=False))))
    return {r["group_id"]: SignalCount(r["open"], r["explained"]) for r in rows}


def session_signals(session):
    return list(IntegritySignal.objects.filter(session=session).select_related("explained_by")
                .order_by("explained_at", "-created"))


def group_signals(group, year):
    return list(IntegritySignal.objects.filter(group=group, year=year).select_related("session", "explained_by")
                .order_by("explained_at", "-created"))


def can_explain(user, group):
    return org_access.can_supervise(user, group.unit)


def get_signal_for(user, pk):
    """A signal of a group the user may see, else 404 (its existence does not leak)."""
    from django.http import Http404

    signal = IntegritySignal.objects.filter(pk=pk, group__in=org_access.groups_visible(user)).select_related(
        "group__unit", "session").first()
    if signal is None:
        raise Http404("没有找到这条提示")
    return signal


def get_match_for(user, pk):
    """A reuse match both of whose texts belong to groups or units the user may see, else 404."""
    from django.http import Http404

    m = ReuseMatch.objects.select_related("source__author", "source__group__unit", "source__unit",
                                          "suspect__author", "suspect__group__unit", "suspect__unit").filter(pk=pk).first()
    if m is None or not all(text_visible(user, t) for t in (m.source, m.suspect)):
        raise Http404("没有找到这条重复记录")
    return m


# Texts whose source is a member's writing: read only as writings/access.py allows (author, 组长, 学习秘书,
# supervisors of the subtree), never by every member of the group.
WRITING_KINDS = ("writing", "reflection", "speech")


def text_visible(user, text):
    if text.kind in WRITING_KINDS and text.content_type.model_class()._meta.label == "writings.Writing":
        from writings.access import writings_visible

        return writings_visible(user).filter(pk=text.object_id).exists()
    return _text_visible(user, text)


def _text_visible(user, text):
    if text.group_id:
        return org_access.groups_visible(user).filter(pk=text.group_id).exists()
    if text.unit_id:
        return org_access.can_supervise(user, text.unit)
    return False


def scope_matches(unit, year, limit=300):
    qs = shown_matches(ReuseMatch.objects.filter(suspect__unit__path__startswith=unit.path, suspect__year=year))
    qs = qs.select_related(
        "source__author", "source__group", "source__unit", "suspect__author", "suspect__group", "suspect__unit")
    return list(qs.order_by("-score", "id")[:limit])


@dataclass
class StaleKind:
    label: str
    then: float
    now: float
    count: int


def scope_stale(unit, year):
    """[StaleKind]: texts of the scope and year checked under another threshold than today's, per kind and the
    threshold they were checked under (a re-check brings them up to date)."""
    rows = (scope_texts(unit=unit, year=year, stale_only=True)
            .values_list("kind", "checked_threshold").annotate(n=Count("id")).order_by("kind", "checked_threshold"))
    return [StaleKind(TextKind(kind).label, then, threshold(kind), n) for kind, then, n in rows]


def scope_stale_count(unit, year):
    return sum(k.count for k in scope_stale(unit, year))


def latest_recheck(unit, year):
    """The newest background re-check of this scope and year, if any."""
    return ReuseRecheck.objects.filter(unit=unit, year=year).first()


def get_recheck_for(user, pk):
    """A background re-check of a scope the user supervises, else 404."""
    from django.http import Http404

    run = ReuseRecheck.objects.filter(pk=pk).select_related("unit").first()
    if run is None or not org_access.can_supervise(user, run.unit):
        raise Http404("没有找到这次复查")
    return run


def quotes_of(texts):
    """[(text, material title, sentences)]: what these texts quote from the library, reported apart."""
    rows = QuoteFound.objects.filter(text__in=texts).select_related("material", "text").order_by("text_id", "id")
    return [(q.text, q.material.title, q.sentences) for q in rows]


def unexplained_flag_group_ids(*, group_ids, year):
    """Groups among `group_ids` with a signal of `year` no supervisor has explained yet: supervision's 重点对象
    source (supervision.selectors.integrity_focus). One indexed query; an explained signal no longer counts."""
    return set(IntegritySignal.objects.filter(group_id__in=list(group_ids), year=year, explained_at__isnull=True)
               .values_list("group_id", flat=True).distinct())
