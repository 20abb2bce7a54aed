"""Every write of the reports app: atomic, keyword-only, audited; errors are Chinese ValidationErrors."""

import datetime as dt
import io
import threading
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from core import audit
from core.uploads import check_zip, over_limit

from . import selectors
from .models import ArchiveBuild, ArchiveStatus, Bulletin, NumberCounter, Office, ReportTask, Submission

OFFICE_FIELDS = ["mark", "prefix", "recipients", "cc", "printer", "signature"]


def _check_template(data):
    if data is None:
        return None
    if limit := over_limit(len(data)):
        raise ValidationError(f"红头模板文件{limit}")
    from docx import Document

    try:
        if not data.startswith(b"PK\x03\x04"):
            raise ValueError
        check_zip(data, required=("word/document.xml",), kind="红头模板")  # no zip bomb reaches python-docx
        Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds on a damaged file
        raise ValidationError("红头模板不是有效的 .docx 文件，请用 Word 或 WPS 另存为 .docx 后再上传") from exc
    return data


@transaction.atomic
def office_save(*, unit, by, data, template=None, template_name="", clear_template=False):
    office = Office.objects.select_for_update().filter(unit=unit).first()
    before = audit.snapshot(office, OFFICE_FIELDS) if office else None
    office = office or Office(unit=unit)
    for name in OFFICE_FIELDS:
        setattr(office, name, (data.get(name) or "").strip())
    if not office.mark or not office.prefix or not office.printer:
        raise ValidationError("发文机关标志、发文字号前缀和印发机关必须填写")
    if template is not None:
        office.template = _check_template(template)
        office.template_name = template_name[:200]
    elif clear_template:
        office.template, office.template_name = None, ""
    office.version += 1 if office.pk else 0
    office.save()
    audit.record(action="reports.office_save", by=by, obj=office, before=before,
                 after={**audit.snapshot(office, OFFICE_FIELDS), "template": office.template_name})
    return office


def _next_number(office, year):
    """The office's next 发文字号 for the year, under a row lock: unique, never reused (a failed
    generation rolls the counter back with its transaction, so no gap is left either)."""
    counter, _ = NumberCounter.objects.get_or_create(office=office, year=year)
    counter = NumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def bulletin_title(unit, year, quarter):
    return f"关于{selectors.period_label(year, quarter)}{unit.name}理论学习中心组学习情况的通报"


def bulletin_generate(*, office, unit, year, quarter, by, issued_on=None, make_pdf=True):
    """One step: figures, judgement, number, .docx (and PDF when LibreOffice is present)."""
    from .documents import bulletin_docx, to_pdf  # python-docx only when a document is made
    if quarter not in (None, 1, 2, 3, 4):
        raise ValidationError("季度只能是 1 至 4，或留空表示全年")
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise ValidationError("年度不正确")
    if not unit.path.startswith(office.unit.path):
        raise ValidationError("只能通报本单位督导范围内的单位")
    start, _ = selectors.period_bounds(year, quarter)
    if start > today:
        raise ValidationError(f"{selectors.period_label(year, quarter)}尚未开始，没有可通报的数据")
    figures = selectors.period_figures(unit, year, quarter)
    if not figures.has_data:
        raise ValidationError(f"{unit.name}{figures.label}没有学习数据（无集体学习记录，也无已审定的计划），无法生成通报")
    judgement = selectors.judge(figures)
    issued_on = issued_on or today
    title = bulletin_title(unit, year, quarter)
    with transaction.atomic():
        number = _next_number(office, issued_on.year)
        doc_number = f"{office.prefix}〔{issued_on.year}〕{number}号"
        content = bulletin_docx(office=office, doc_number=doc_number, title=title, figures=figures,
                                judgement=judgement, issued_on=issued_on, template=office.template)
        bulletin = Bulletin.objects.create(
            office=office, unit=unit, year=year, quarter=quarter, number_year=issued_on.year, number=number,
            doc_number=doc_number, title=title, issued_on=issued_on, docx=content, created_by=by)
        audit.record(action="reports.bulletin_generate", by=by, obj=bulletin,
                     after={"doc_number": doc_number, "unit": unit.pk, "year": year, "quarter": quarter,
                            "held": figures.held, "groups": len(figures.rows)})
    if make_pdf:
        pdf = to_pdf(content)
        if pdf:
            Bulletin.objects.filter(pk=bulletin.pk).update(pdf=pdf)
            bulletin.pdf = pdf
    return bulletin


# ---- 报送 tasks ---------------------------------------------------------------------------------------

def task_create(*, unit, by, kind, title, year, deadline=None, workdays=None, instructions=""):
    from workdays.selectors import add_workdays

    from .models import TaskKind

    if kind not in TaskKind.values:
        raise ValidationError("请选择报送类型")
    title = (title or "").strip()
    if not title:
        raise ValidationError("请填写标题")
    today = timezone.localdate()
    if workdays:
        if not 1 <= workdays <= 120:
            raise ValidationError("工作日数应在 1 至 120 之间")
        deadline = add_workdays(today, workdays)
    if deadline is None:
        raise ValidationError("请填写截止日期或工作日数")
    if deadline < today:
        raise ValidationError("截止日期不能早于今天")
    with transaction.atomic():
        task = ReportTask.objects.create(unit=unit, kind=kind, title=title[:200], year=year, deadline=deadline,
                                         instructions=instructions, created_by=by)
        audit.record(action="reports.task_create", by=by, obj=task,
                     after={"unit": unit.pk, "kind": kind, "deadline": deadline.isoformat()})
    return task


def submission_submit(*, task, group, by, text):
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写报送内容（可在系统已有数据基础上补充说明）")
    if len(text) > 20000:
        raise ValidationError("报送内容不能超过 20000 字")
    if not selectors.task_addressed(task, group):
        raise ValidationError("这项报送任务不是下发给本中心组的")
    with transaction.atomic():
        if Submission.objects.select_for_update().filter(task=task, group=group).exists():
            raise ValidationError("本中心组已经报送过这项任务")
        sub = Submission.objects.create(task=task, group=group, text=text, submitted_by=by,
                                        prefilled=selectors.task_prefill(task, group))
        audit.record(action="reports.submit", by=by, obj=sub, after={"task": task.pk, "group": group.pk,
                                                                       "late": sub.late})
    return sub


# ---- 档案专卷 --------------------------------------------------------------------------------------

def current_head():
    """The audit chain's head now, as printed in the archive: "#seq hash (algorithm)"."""
    head = audit.current_head()
    return f"#{head.seq} {head.hash}（{head.algo}）"


def archive_request(*, group, year, by):
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError("年度不正确")
    with transaction.atomic():
        running = ArchiveBuild.objects.select_for_update().filter(
            group=group, year=year, status__in=[ArchiveStatus.PENDING, ArchiveStatus.RUNNING]).first()
        if running:
            return running  # a double click joins the build under way
        build = ArchiveBuild.objects.create(group=group, year=year, requested_by=by)
        audit.record(action="reports.archive_request", by=by, obj=build, after={"group": group.pk, "year": year})
        transaction.on_commit(lambda: _start(build.pk))
    return build


def _start(pk):
    """The django-tasks worker builds it when TASKS is configured (a restart loses nothing: the task row
    waits); otherwise a thread of this process does, and `reports_build_archives` picks up what a restart
    left. REPORTS_ARCHIVE_THREAD=False leaves it to the command (tests run the build themselves)."""
    if getattr(settings, "TASKS", None):
        from .tasks import build_archive

        build_archive.enqueue(pk)
    elif getattr(settings, "REPORTS_ARCHIVE_THREAD", True):
        _start_thread(pk)


def _start_thread(pk):
    def run():
        close_old_connections()
        try:
            archive_build(pk)
        finally:
            close_old_connections()

    threading.Thread(target=run, name=f"archive-{pk}", daemon=True).start()


def _archive_items(group, year):
    """[(path in the zip, title, callable returning bytes)] for the group's year."""
    from meetings.documents import attendance_xlsx, session_docx
    from meetings.selectors import session_attendance, session_detail, sessions_of_group
    from plans.documents import plan_docx
    from plans.models import Status, StudyPlan
    from plans.selectors import plan_document

    from .documents import cn_date  # python-docx only when a document is made

    items = []
    plan = StudyPlan.objects.filter(group=group, year=year, status=Status.APPROVED).order_by("-number").first()
    if plan:
        items.append(("01-年度学习计划/年度学习计划.docx", f"年度学习计划（第{plan.number}版，已审定）",
                      lambda: plan_docx(plan_document(plan))))
    for i, sub in enumerate(Submission.objects.filter(group=group, task__year=year).select_related("task")
                            .order_by("submitted_at"), 1):
        items.append((f"01-年度学习计划/报送{i:02d}-{sub.task.get_kind_display()}.txt",
                      f"报送：{sub.task.title}（{cn_date(timezone.localdate(sub.submitted_at))}）",
                      lambda sub=sub: _submission_text(sub).encode("utf-8")))
    sessions = sessions_of_group(group, year).distinct().order_by("starts_at")
    for n, s in enumerate(sessions, 1):
        folder = f"02-集体学习/{n:02d}-{s.day:%m%d}-{_safe(s.title)}"
        items.append((f"{folder}/学习记录.docx", f"{s.day} {s.title}：学习记录（五落实）",
                      lambda s=s: session_docx(session_detail(s))))
        items.append((f"{folder}/考勤表.xlsx", f"{s.day} {s.title}：考勤表",
                      lambda s=s: attendance_xlsx(s, session_attendance(s))))
        if s.minutes or s.briefing or s.summary:
            items.append((f"{folder}/纪要和简报.txt", f"{s.day} {s.title}：纪要、小结、简报",
                          lambda s=s: _minutes(s).encode("utf-8")))
        if s.preparations.exists():
            items.append((f"{folder}/研讨发言提纲.txt", f"{s.day} {s.title}：研讨发言提纲",
                          lambda s=s: _preparations(s).encode("utf-8")))
    items += _writings_items(group, year)
    items += _supervision_items(group, year)
    return items


def _supervision_items(group, year):
    """巡听 feedback on the group's sessions of the year and its 整改 (the supervision app). Observers' item
    scores stay out: the feedback is what the group was given."""
    from supervision.models import Rectification, Visit

    items = []
    visits = list(Visit.objects.filter(group=group, session__starts_at__year=year, cancelled=False)
                  .exclude(feedback="").select_related("session").order_by("session__starts_at"))
    if visits:
        items.append(("05-巡听与整改/巡听反馈意见.txt", f"巡听旁听反馈意见（{len(visits)}次）", lambda: "\n\n".join(
            f"【{v.get_kind_display()}旁听】{v.session.day} {v.session.title}\n{v.feedback}" for v in visits
        ).encode("utf-8")))
    rects = list(Rectification.objects.filter(group=group, created__year=year).select_related("responsible"))
    if rects:
        items.append(("05-巡听与整改/整改情况.txt", f"整改台账（{len(rects)}项）", lambda: "\n\n".join(
            f"问题：{r.problem}\n措施：{r.measure}\n责任人：{r.responsible.name}　期限：{r.due}　状态："
            f"{r.get_status_display()}\n整改情况：{r.evidence_text or '—'}" for r in rects).encode("utf-8")))
    return items


def _writings_items(group, year):
    """The index of the members' writings (titles only: the texts stay with their authors' access rules),
    research reports with their outcomes, and 宣讲/党课 (the writings and research apps)."""
    from research.models import Lecture, ResearchTopic
    from writings.models import SHARED_STATUSES, Writing

    items = []
    writings = list(Writing.objects.filter(group=group, year=year, status__in=SHARED_STATUSES)
                    .select_related("person").order_by("day", "pk"))
    if writings:
        items.append(("03-个人学习/学习文章索引.txt", f"学习文章索引（{len(writings)}篇）", lambda: "\n".join(
            f"{w.day}  {w.person.name}  【{w.get_kind_display()}】{w.title}（{w.get_status_display()}）"
            for w in writings).encode("utf-8")))
    for n, topic in enumerate(ResearchTopic.objects.filter(group=group, year=year).select_related("report")
                              .order_by("pk"), 1):
        items.append((f"04-调研/{n:02d}-{_safe(topic.title)}.txt", f"调研报告：{topic.title}",
                      lambda t=topic: _research_text(t).encode("utf-8")))
    lectures = list(Lecture.objects.filter(group=group, year=year).select_related("person").order_by("day"))
    if lectures:
        items.append(("04-调研/宣讲和党课.txt", f"宣讲和党课（{len(lectures)}次）", lambda: "\n".join(
            f"{x.day}  {x.person.name}  【{x.get_kind_display()}】{x.topic}  {x.place}  {x.audience} {x.size}人"
            for x in lectures).encode("utf-8")))
    return items


def _research_text(topic):
    from writings.models import SHARED_STATUSES

    lines = [f"调研课题：{topic.title}", f"状态：{topic.get_state_display()}", "", topic.description, ""]
    if topic.report and topic.report.status in SHARED_STATUSES:
        lines += ["【调研报告】" + topic.report.title, topic.report.text, ""]
    for o in topic.outcomes.order_by("day"):
        lines.append(f"【成果转化·{o.get_kind_display()}】{o.day} {o.description}（{o.get_evidence_kind_display()}：{o.evidence}）")
    return "\n".join(lines)


def _safe(name):
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name)[:40]


def _submission_text(sub):
    lines = [sub.task.title, f"报送时间：{timezone.localtime(sub.submitted_at):%Y-%m-%d %H:%M}", "", sub.text, ""]
    for key, value in sub.prefilled.items():
        lines.append(f"{key}：{value}")
    return "\n".join(lines)


def _minutes(s):
    return "\n\n".join(f"【{label}】\n{text}" for label, text in (("会议纪要", s.minutes), ("学习小结", s.summary),
                                                              ("学习简报", s.briefing)) if text)


def _preparations(s):
    return "\n\n".join(f"【{p.person.name}】\n{p.text}" for p in s.preparations.select_related("person")
                       .order_by("submitted_at"))



def archive_build(pk):
    """Build the zip, updating the row's progress after each file so the page's bar moves."""
    build = ArchiveBuild.objects.select_related("group__unit").get(pk=pk)
    if build.status not in (ArchiveStatus.PENDING, ArchiveStatus.FAILED):
        return build
    ArchiveBuild.objects.filter(pk=pk).update(status=ArchiveStatus.RUNNING, error="")
    try:
        group, year = build.group, build.year
        items = _archive_items(group, year)
        ArchiveBuild.objects.filter(pk=pk).update(total_steps=len(items) + 1)
        head = current_head()
        out = io.BytesIO()
        toc = [f"{group.unit.name}理论学习中心组{year}年度学习档案专卷", "",
               f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}", f"审计链当前头：{head}", "", "目录", ""]
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for i, (path, title, make) in enumerate(items, 1):
                zf.writestr(path, make())
                toc.append(f"{i:03d}  {title}  →  {path}")
                ArchiveBuild.objects.filter(pk=pk).update(done_steps=i)
            if not items:
                toc.append("（本年度暂无学习记录）")
            zf.writestr("00-目录.txt", "\n".join(toc).encode("utf-8"))
        ArchiveBuild.objects.filter(pk=pk).update(
            status=ArchiveStatus.DONE, content=out.getvalue(), audit_head=head[:160], done_steps=len(items) + 1,
            finished_at=timezone.now())
        audit.record(action="reports.archive_built", obj=build, after={"files": len(items), "head": head[:160]})
    except Exception as exc:  # the page must show the failure rather than spin for ever
        ArchiveBuild.objects.filter(pk=pk).update(status=ArchiveStatus.FAILED, error=str(exc)[:300],
                                                  finished_at=timezone.now())
        raise
    build.refresh_from_db()
    return build


def archive_stale(minutes=30):
    """Builds queued longer than `minutes` (the server restarted mid-build): for the management command."""
    cutoff = timezone.now() - dt.timedelta(minutes=minutes)
    return ArchiveBuild.objects.filter(status__in=[ArchiveStatus.PENDING, ArchiveStatus.RUNNING],
                                       requested_at__lt=cutoff)
