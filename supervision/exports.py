"""Excel exports (core.xlsx escapes formula cells): the plan, the scores, the 整改 ledger, a campaign summary."""

from django.utils import timezone

from core.xlsx import write_workbook

from . import selectors
from .models import OPEN_RECT, VisitScore


def _d(value):
    return f"{value:%Y-%m-%d}" if value else ""


def plan_workbook(plan):
    visits = (plan.visits.select_related("group__unit", "session", "draw")
              .prefetch_related("observers__observer__person").order_by("planned_month", "kind", "group__unit__path"))
    totals = selectors.visit_totals(visits)
    rows = []
    for v in visits:
        rows.append([v.pk, v.group.name, v.get_kind_display(), v.planned_month or "", v.draw.seed if v.draw else "",
                     v.session.title if v.session else "", _d(v.session.day) if v.session else "",
                     "是" if v.filed_late else "", "、".join(o.observer.person.name for o in v.observers.all()),
                     float(totals[v.pk]) if v.pk in totals else "", _d(v.feedback_due),
                     _d(timezone.localtime(v.feedback_at)) if v.feedback_at else "", v.status])
    cov = selectors.coverage(plan)
    notes = [f"{plan.unit.name}{plan.year}年巡听旁听计划：覆盖目标为下辖中心组 {plan.coverage_years} 年内至少旁听一次。",
             f"下辖中心组 {cov.total} 个，已旁听 {cov.covered} 个，已安排未旁听 {cov.planned} 个，未覆盖 {cov.uncovered} 个。"]
    return write_workbook("旁听安排", ["编号", "中心组", "方式", "计划月份", "随机种子", "旁听的学习", "学习日期", "迟报",
                                     "巡听员", "总分", "反馈期限", "反馈日期", "状态"], rows,
                          widths={2: 36, 6: 36, 9: 20}, notes=notes)


def scores_workbook(plan):
    items = list(plan.checklist.items.all())
    scores = {}
    for s in VisitScore.objects.filter(visit__plan=plan):
        scores.setdefault(s.visit_id, {})[s.item_id] = float(s.score)
    visits = plan.visits.filter(pk__in=scores.keys()).select_related("group", "session").order_by("group__unit__path")
    rows = [[v.group.name, _d(v.session.day) if v.session else "", *[scores[v.pk].get(i.pk, "") for i in items],
             sum(scores[v.pk].values())] for v in visits]
    return write_workbook("评分", ["中心组", "学习日期", *[f"{i.text}（{i.max_score}）" for i in items], "合计"], rows,
                          widths={1: 36})


def rects_workbook(rects, today):
    rows = []
    for r in rects.select_related("group", "responsible", "visit", "target__inspection").order_by("due", "id"):
        source = f"巡听旁听 #{r.visit_id}" if r.visit_id else f"专题督查：{r.target.inspection.title}"
        rows.append([r.group.name, source, r.problem, r.measure, r.responsible.name, _d(r.due), r.get_status_display(),
                     "是" if r.status in OPEN_RECT and r.due < today else "", r.evidence_text, r.evidence_name,
                     r.decision_note])
    return write_workbook("整改台账", ["中心组", "来源", "问题", "整改措施", "责任人", "整改期限", "状态", "逾期",
                                     "整改情况", "佐证材料", "验收意见"], rows, widths={1: 30, 3: 40, 4: 40, 9: 40})


def campaign_workbook(inspection):
    items, rows = selectors.inspection_summary(inspection)
    out = [[r.group, r.inspector, *[float(s) if s is not None else "" for s in r.scores],
            float(r.total) if r.total is not None else "", r.problems, r.rect_open, r.rect_closed] for r in rows]
    return write_workbook("督查汇总", ["单位", "督查人员", *[f"{i.text}（{i.max_score}）" for i in items], "合计",
                                     "发现问题", "整改中", "已销号"], out, widths={1: 36})
