"""真学真记 signals, computed when records are written (meetings calls these from its services), never by
scanning on page view. Each signal is a fact about a record in one sentence, for the secretary and the
supervisor; none blocks anything.

Entry points (one call each from meetings/services.py):
    session_scheduled(session)           late schedule; a batch of late sessions entered in one sitting
    attendance_written(row)              late first attendance (leave rows never count as "first");
                                         attendance contradicting an approved leave; overlapping presence
    leave_approved(leave)                a leave approved for someone already recorded present
    records_written(session, before)     minutes written late; minutes/summary/简报 repeating another session
    session_archived(session)            archived late
    checkin_device(session, person_id, device)   one device checking in several people by QR
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit, sql

from .models import DeviceCheckin, IntegritySignal, RecheckStatus, ReuseRecheck, SignalKind

RECORD_KINDS = {"minutes": "minutes", "summary": "summary", "briefing": "briefing"}
RECORD_LABELS = {"minutes": "会议纪要", "summary": "学习小结", "briefing": "学习简报"}
ATTENDED = ("present", "late")


def late_days():
    return getattr(settings, "MEETINGS_LATE_RECORD_DAYS", 7)


def _days_after(session, when):
    return (timezone.localdate(when) - session.day).days


def _raise(*, kind, group, year, explanation, facts, session=None, key=""):
    """Store the signal once; a repeat of the same fact updates its facts but never its explanation note."""
    lookup = {"kind": kind, "group": group, "session": session, "key": key[:120]}
    if session is None:
        lookup["year"] = year
    existing = IntegritySignal.objects.filter(**lookup).first()
    if existing is not None:
        if existing.facts != facts:
            IntegritySignal.objects.filter(pk=existing.pk).update(facts=facts, explanation=explanation[:300])
        return existing
    try:
        with transaction.atomic():
            return IntegritySignal.objects.create(**{**lookup, "year": year}, explanation=explanation[:300],
                                                  facts=facts)
    except IntegrityError:  # written at the same moment by another request
        return IntegritySignal.objects.filter(**lookup).first()


def _date(d):
    return f"{d:%Y年%-m月%-d日}"


# ---- Late records --------------------------------------------------------------------------------

def _late(session, kind, what, when):
    days = _days_after(session, when)
    if days > late_days():
        _raise(kind=kind, group=session.group, session=session, year=session.day.year,
               explanation=f"{what}在学习日期（{_date(session.day)}）后 {days} 天才录入，超过规定的 {late_days()} 天",
               facts={"day": session.day.isoformat(), "entered": timezone.localtime(when).isoformat(), "days": days})
        return days
    return None


def session_scheduled(session):
    _late(session, SignalKind.LATE_SCHEDULE, "这次学习的安排", session.created)
    if session.created_by_id and _days_after(session, session.created) > late_days():
        _batch(session)


def _batch(session):
    """Several sessions, each long after its date, entered by one account in one sitting."""
    from meetings.models import StudySession

    hours = getattr(settings, "INTEGRITY_BATCH_HOURS", 2)
    need = getattr(settings, "INTEGRITY_BATCH_SESSIONS", 3)
    since = session.created - dt.timedelta(hours=hours)
    rows = [s for s in StudySession.objects.filter(created_by_id=session.created_by_id, created__gte=since,
                                                     created__lte=session.created, group=session.group)
            if _days_after(s, s.created) > late_days()]
    if len(rows) < need:
        return
    first = min(rows, key=lambda s: s.created)
    _raise(kind=SignalKind.BATCH_ENTRY, group=session.group, year=session.day.year,
           key=f"{session.created_by_id}:{first.pk}",
           explanation=f"{timezone.localtime(first.created):%Y年%-m月%-d日 %H:%M}起 {hours} 小时内，同一账号集中录入了 "
                       f"{len(rows)} 次早已举行的学习（最早的在 {_date(min(s.day for s in rows))}）",
           facts={"sessions": [[s.pk, s.title, s.day.isoformat()] for s in sorted(rows, key=lambda s: s.day)],
                  "account": session.created_by_id})


def attendance_written(row):
    """After an attendance row is written (by the secretary or by QR)."""
    from meetings.models import Attendance, Leave
    from meetings.services import presence_clash

    session = row.session
    # Only a row entered more than late_days() after the session can make its first attendance late: any other
    # (every QR scan, which is open only around the session) skips the read. Inside a check-in it would be read
    # under SQLite's write lock.
    if row.source != "leave" and _days_after(session, row.recorded_at) > late_days():
        # The first attendance is the first row that is not an approved leave: approving leave early does not
        # make a late attendance record look timely.
        first = Attendance.objects.filter(session=session).exclude(source="leave").order_by("recorded_at", "id").first()
        if first is not None and first.pk == row.pk:
            _late(session, SignalKind.LATE_ATTENDANCE, "首次考勤", row.recorded_at)
    if row.status not in ATTENDED:
        return
    # One statement asks whether there is anything to flag (inside a check-in it runs under SQLite's write lock);
    # the reads that name it run only when there is.
    on_leave, elsewhere = presence_clash(session, row.person_id)
    if on_leave:
        leave = Leave.objects.filter(session=session, person_id=row.person_id, status="approved").first()
        if leave is not None:  # withdrawn between the two statements (PostgreSQL, outside a check-in's lock)
            _contradiction(session, row.person, leave)
    if not elsewhere:
        return
    others = (Attendance.objects.filter(person_id=row.person_id, status__in=ATTENDED,
                                        session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at)
              .exclude(session=session).exclude(session__status="cancelled").select_related("session__group"))
    for other in others:
        o = other.session
        first, second = sorted([session, o], key=lambda s: s.pk)
        text = (f"{row.person.name}同一时间出现在两次学习中：“{first.title}”"
                f"（{timezone.localtime(first.starts_at):%-m月%-d日 %H:%M}）与“{second.title}”"
                f"（{timezone.localtime(second.starts_at):%-m月%-d日 %H:%M}）")
        facts = {"person": row.person.name, "sessions": [[s.pk, s.title, s.group.name] for s in (first, second)]}
        for s in (session, o):
            _raise(kind=SignalKind.OVERLAP, group=s.group, session=s, year=s.day.year,
                   key=f"{row.person_id}:{first.pk}:{second.pk}", explanation=text, facts=facts)


def _contradiction(session, person, leave):
    _raise(kind=SignalKind.LEAVE_CONTRADICTION, group=session.group, session=session, year=session.day.year,
           key=str(person.pk),
           explanation=f"{person.name}的请假已批准，却又登记为出席",
           facts={"person": person.name, "leave": leave.pk, "reason": leave.reason})


def leave_approved(leave):
    """Before an approved leave overwrites the attendance: someone already recorded present."""
    from meetings.models import Attendance

    if Attendance.objects.filter(session=leave.session, person=leave.person, status__in=ATTENDED).exists():
        _contradiction(leave.session, leave.person, leave)


def session_archived(session):
    _late(session, SignalKind.LATE_ARCHIVE, "归档", session.archived_at or timezone.now())


# ---- Record texts --------------------------------------------------------------------------------

def records_written(session, before):
    """After minutes, summary or 简报 are saved; `before`: their texts before the save."""
    from . import reuse  # numpy with it: only where a text is checked
    if not (before.get("minutes") or "").strip() and (session.minutes or "").strip():
        _late(session, SignalKind.LATE_MINUTES, "会议纪要", timezone.now())
    for field, kind in RECORD_KINDS.items():
        text = (getattr(session, field) or "").strip()
        if text == (before.get(field) or "").strip():
            continue
        if not text:
            reuse.forget(session, kind)
            continue
        # The session's own title is its label, not its text: two sessions on one 专题 share it honestly.
        row = reuse.index_text(session, kind=kind, text=text.replace(session.title, " "), group=session.group,
                               unit=session.group.unit, written_on=session.day, year=session.day.year,
                               title=f"{session.title} · {RECORD_LABELS[field]}")
        record_reuse_signals(session, row, reuse.check(row))


def record_reuse_signals(session, row, report):
    """The TEXT_REUSE signals of one record text (`row`, a session's minutes/summary/简报) from its check's
    report: its own unexplained ones are replaced; a match with a record of another session is raised on the
    later one, whichever was checked. After an edit (records_written) and a supervisor's re-check alike."""
    IntegritySignal.objects.filter(kind=SignalKind.TEXT_REUSE, session=session, key__startswith=f"{row.kind}:",
                                   explained_at__isnull=True).delete()
    for m in report.matches:
        if m.source.kind not in RECORD_KINDS.values():
            continue
        sus, src = m.suspect, m.source
        src_session, sus_session = src.source, sus.source
        text = (f"“{sus_session.title}”的{RECORD_LABELS[sus.kind]}（{_date(sus.written_on)}）与"
                f"{src.group.name if src.group else ''}“{src_session.title}”的{RECORD_LABELS[src.kind]}"
                f"（{_date(src.written_on)}，在先）重复 {round(m.score * 100)}%")
        facts = {"score": m.score, "match": m.id, "passages": m.passages[:20],
                 "source": {"session": src.object_id, "title": src_session.title, "group": src.group.name,
                            "date": src.written_on.isoformat(), "kind": RECORD_LABELS[src.kind]},
                 "suspect": {"session": sus.object_id, "title": sus_session.title, "group": sus.group.name,
                             "date": sus.written_on.isoformat(), "kind": RECORD_LABELS[sus.kind]}}
        _raise(kind=SignalKind.TEXT_REUSE, group=sus_session.group, session=sus_session,
               year=sus.year, key=f"{sus.kind}:{src.pk}", explanation=text, facts=facts)


# ---- QR check-in by device -----------------------------------------------------------------------

def checkin_device(*, session, person_id, device):
    """A device (its own long-lived mark) checked a person in. Several people from one device → a signal."""
    if not device:
        return
    # Written out in SQL: two statements under SQLite's write lock in every scan (meetings.services, the check-in).
    # The unique constraint answers a second scan from the same phone (ON CONFLICT DO NOTHING: no savepoint).
    device = device[:64]
    sql.insert(DeviceCheckin(session=session, person_id=person_id, device=device),
               unless_exists=("session_id", "person_id", "device"))
    (count,), = sql.rows("SELECT COUNT(*) FROM integrity_devicecheckin WHERE session_id = %s AND device = %s",
                         [session.pk, device])
    if count < getattr(settings, "INTEGRITY_DEVICE_PEOPLE", 2):
        return
    people = list(DeviceCheckin.objects.filter(session=session, device=device).select_related("person")
                  .order_by("at", "id"))
    names = "、".join(p.person.name for p in people)
    _raise(kind=SignalKind.SHARED_DEVICE, group=session.group, session=session, year=session.day.year,
           key=device[:120], explanation=f"同一台手机为 {len(people)} 人扫码签到：{names}",
           facts={"people": [p.person.name for p in people],
                  "times": [timezone.localtime(p.at).strftime("%H:%M:%S") for p in people]})


# ---- Explaining ----------------------------------------------------------------------------------

@transaction.atomic
def signal_explain(*, signal, note, by):
    """A supervisor of the group's subtree records what happened; the signal stays visible with the note."""
    from orgs import access as org_access

    note = (note or "").strip()
    signal = IntegritySignal.objects.select_for_update().select_related("group__unit").get(pk=signal.pk)
    if not org_access.can_supervise(by, signal.group.unit):
        raise ValidationError("只有该中心组所在范围的督导人员可以说明这条提示")
    if not note:
        raise ValidationError({"note": "请填写情况说明"})
    before = {"note": signal.note, "explained_at": signal.explained_at}
    signal.note, signal.explained_by, signal.explained_at = note[:500], by, timezone.now()
    signal.save(update_fields=["note", "explained_by", "explained_at"])
    audit.record(action="integrity.signal.explain", by=by, obj=signal, before=before,
                 after={"note": signal.note, "kind": signal.kind, "group": signal.group_id})
    return signal


def reuse_recheck(*, unit, year, by, stale_only=False, progress=None):
    """Re-check every text of a scope and year (all pairs), or only those checked under another threshold than
    today's, now; a session record's signals follow its new result. Audited. Not one transaction: each text's
    check and signals commit together (reuse.recheck), so a long run holds no lock for its length (on SQLite every
    other write would wait) and its progress is visible. `manage.py integrity_recheck` and
    small scopes on the page call this; larger ones go through reuse_recheck_request."""
    from . import reuse  # numpy with it: only where a text is checked

    def checked(row, report):
        if row.kind in RECORD_KINDS.values():
            record_reuse_signals(row.source, row, report)
        if progress is not None:
            progress()

    result = reuse.recheck(unit=unit, year=year, stale_only=stale_only, on_checked=checked)
    audit.record(action="integrity.reuse.recheck", by=by, obj=unit, after={"year": year, "stale_only": stale_only,
                                                                             **result})
    return result


def reuse_recheck_request(*, unit, year, by, stale_only=False):
    """The page's re-check: (result, None) when the scope has at most INTEGRITY_RECHECK_INLINE texts, checked at
    once; otherwise (None, run), a ReuseRecheck the task worker runs (a check costs 20–130 ms, so a county's
    thousands would outlast the request). A second request while one runs for the same scope and year joins it."""
    from .reuse_report import scope_texts

    total = scope_texts(unit=unit, year=year, stale_only=stale_only).count()
    if total <= settings.INTEGRITY_RECHECK_INLINE:
        return reuse_recheck(unit=unit, year=year, by=by, stale_only=stale_only), None
    with transaction.atomic():
        running = ReuseRecheck.objects.select_for_update().filter(
            unit=unit, year=year, status__in=[RecheckStatus.PENDING, RecheckStatus.RUNNING]).first()
        if running and not _lost(running):
            return None, running
        if running:  # its worker stopped (a restart): say so on the old run, and start again
            ReuseRecheck.objects.filter(pk=running.pk).update(
                status=RecheckStatus.FAILED, error="后台复查中断（服务曾重启），已重新提交", finished_at=timezone.now())
        run = ReuseRecheck.objects.create(unit=unit, year=year, stale_only=stale_only, total=total, requested_by=by)
        audit.record(action="integrity.reuse.recheck_request", by=by, obj=unit,
                     after={"year": year, "stale_only": stale_only, "texts": total})
        from .tasks import recheck_job

        transaction.on_commit(lambda: recheck_job.enqueue(run.pk))
    return None, run


RECHECK_SILENT = dt.timedelta(minutes=10)  # a running re-check reports progress every 20 texts, well within this
RECHECK_UNCLAIMED = dt.timedelta(hours=1)  # a queued one no worker took up in this long is queued again


def _lost(run):
    now = timezone.now()
    if run.status == RecheckStatus.RUNNING:
        return (run.beat_at or run.requested_at) < now - RECHECK_SILENT
    return run.requested_at < now - RECHECK_UNCLAIMED


def recheck_run(pk):
    """Run a queued re-check (the task worker), keeping its progress on the row so the page can show it."""
    run = ReuseRecheck.objects.select_related("unit", "requested_by").get(pk=pk)
    if run.status != RecheckStatus.PENDING:
        return run  # run already, or under way in another worker
    ReuseRecheck.objects.filter(pk=pk).update(status=RecheckStatus.RUNNING, beat_at=timezone.now())
    done = [0]

    def progress():
        done[0] += 1
        if done[0] % 20 == 0:
            ReuseRecheck.objects.filter(pk=pk).update(done=done[0], beat_at=timezone.now())

    try:
        result = reuse_recheck(unit=run.unit, year=run.year, by=run.requested_by, stale_only=run.stale_only,
                               progress=progress)
    except Exception as exc:  # the page must show the failure rather than "复查中" for ever
        ReuseRecheck.objects.filter(pk=pk).update(status=RecheckStatus.FAILED, error=str(exc)[:300],
                                                  finished_at=timezone.now())
        raise
    ReuseRecheck.objects.filter(pk=pk).update(status=RecheckStatus.DONE, done=result["texts"], total=result["texts"],
                                              matches=result["matches"], resigned=result["resigned"],
                                              finished_at=timezone.now())
    run.refresh_from_db()
    return run
