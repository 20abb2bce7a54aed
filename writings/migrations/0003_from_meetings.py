"""Today's 发言材料 (meetings.Preparation) and 补学体会 (meetings.MakeUp.reflection) become writings.

Nothing is deleted on the meetings side: the old rows and column stay as they were (the meetings app can
drop them in a later release once every deployment has run this), so going backwards only removes the
writings made here. Each writing gets version 1 and its search index row.
"""

import datetime as dt

import rjieba
from django.db import migrations
from django.utils import timezone

NOTE = "由原集体学习模块迁移"


def _clean(token):
    return "".join(ch for ch in token if ch.isalnum()).lower()


def _segment(text):
    # The same segmentation as writings/search.py (copied: a migration must not import code that may change).
    return " ".join(t for t in (_clean(w) for w in rjieba.cut_for_search(text or "")) if t)


def _local_day(moment, fallback):
    if moment is None:
        return fallback
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def forward(apps, schema_editor):
    Writing = apps.get_model("writings", "Writing")
    Version = apps.get_model("writings", "WritingVersion")
    Index = apps.get_model("writings", "WritingIndex")
    Preparation = apps.get_model("meetings", "Preparation")
    MakeUp = apps.get_model("meetings", "MakeUp")
    Participation = apps.get_model("meetings", "Participation")
    Membership = apps.get_model("orgs", "Membership")
    StudyGroup = apps.get_model("orgs", "StudyGroup")
    unit_of = dict(StudyGroup.objects.values_list("id", "unit_id"))

    def keep(writing, saved_at):
        writing.save()
        Version.objects.create(writing=writing, number=1, title=writing.title, text=writing.text,
                               ai_assisted=False, status=writing.status, note=NOTE, saved_at=saved_at)
        Index.objects.create(writing=writing, title_seg=_segment(writing.title), body_seg=_segment(writing.text))

    for prep in Preparation.objects.select_related("session").order_by("id"):
        session = prep.session
        # In a 联学 the member writes as a member of their own group, which may be a guest group.
        groups = list(Participation.objects.filter(session=session).values_list("group_id", flat=True))
        member_of = (Membership.objects.filter(person_id=prep.person_id, group_id__in=groups)
                     .order_by("-start").values_list("group_id", flat=True).first())
        group_id = member_of or session.group_id
        day = session.day or _local_day(session.starts_at, dt.date.today())
        keep(Writing(person_id=prep.person_id, group_id=group_id, unit_id=unit_of[group_id], kind="statement",
                     title=f"发言材料：{session.title}"[:200], text=prep.text, day=day, year=day.year,
                     session_id=session.pk, status="submitted", submitted_at=prep.submitted_at,
                     created=prep.submitted_at, updated=prep.submitted_at), prep.submitted_at)

    for makeup in MakeUp.objects.exclude(reflection="").select_related("session").order_by("id"):
        moment = makeup.submitted_at or makeup.created
        day = _local_day(moment, makeup.due)
        # 已通报 means the group took the 体会 at a session: the nearest thing to the new 已认可.
        reported = makeup.status == "reported"
        keep(Writing(person_id=makeup.person_id, group_id=makeup.group_id, unit_id=unit_of[makeup.group_id],
                     kind="makeup", title=f"补学体会：{makeup.session.title}"[:200], text=makeup.reflection,
                     day=day, year=day.year, session_id=makeup.session_id, makeup_id=makeup.pk,
                     status="accepted" if reported else "submitted", submitted_at=makeup.submitted_at,
                     review_comment="已在集体学习中通报" if reported else "", created=moment, updated=moment), moment)


def backward(apps, schema_editor):
    Writing = apps.get_model("writings", "Writing")
    Writing.objects.filter(versions__number=1, versions__note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("writings", "0002_search_index"), ("meetings", "0004_session_cancel_reason_plan_topic_index")]

    operations = [migrations.RunPython(forward, backward)]
