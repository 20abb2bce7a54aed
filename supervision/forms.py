from django import forms

from .models import VisitKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    unit = forms.TypedChoiceField(label="督导单位", coerce=int)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    coverage_years = forms.IntegerField(label="覆盖周期（年）", min_value=1, max_value=5, initial=1,
                                        help_text="下辖每个中心组在几年内至少旁听一次")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def group_input(**attrs):
    """A group typed by its name, with suggestions from the plan's subtree filled in by supervision:plan_groups.
    Never a <select> of every group: a province plan would print 10,000 options three times over."""
    return forms.TextInput(attrs={"list": "plan-groups", "autocomplete": "off", "placeholder": "输入名称中的字词，从提示中选择",
                                  **attrs})


class VisitAddForm(forms.Form):
    group = forms.CharField(label="中心组", max_length=200, widget=group_input())
    kind = forms.ChoiceField(label="方式", choices=[(VisitKind.FIXED, "固定"), (VisitKind.FOCUS, "重点")])
    planned_month = forms.IntegerField(label="计划月份", min_value=1, max_value=12, required=False)


class FocusForm(forms.Form):
    group = forms.CharField(label="中心组", max_length=200, widget=group_input())
    reason = forms.CharField(label="原因", max_length=200, help_text="如：2025年度考核不合格")


class DrawForm(forms.Form):
    count = forms.IntegerField(label="随机抽取数量", min_value=1, max_value=10000)
    exclude = forms.CharField(label="排除的中心组", required=False, max_length=20000,
                              help_text="每行一个中心组名称（也可用顿号、逗号分隔）",
                              widget=forms.Textarea(attrs={"rows": 3}))
    exclude_reason = forms.CharField(label="排除原因", max_length=100, required=False, initial="近期已接受专题督查")


class FocusVisitsForm(forms.Form):
    per_group = forms.IntegerField(label="每个重点对象旁听次数", min_value=1, max_value=6, initial=2)


class PoolAddForm(forms.Form):
    unit = forms.TypedChoiceField(label="巡听库", coerce=int)
    person = forms.IntegerField(label="人员编号")
    note = forms.CharField(label="备注", max_length=200, required=False)


class AbsenceForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    reason = forms.CharField(label="原因", max_length=100)


class FileForm(forms.Form):
    session = forms.TypedChoiceField(label="要旁听的集体学习", coerce=int)
    note = forms.CharField(label="备案说明", max_length=300, required=False,
                           help_text="会前材料（学习方案、发言材料）在这次学习的页面上，巡听员可直接查看")


class InviteForm(FileForm):
    plan = forms.TypedChoiceField(label="邀请的督导单位", coerce=int)


class AssignForm(forms.Form):
    observer = forms.TypedChoiceField(label="巡听员", coerce=int)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


class RectForm(forms.Form):
    problem = forms.CharField(label="问题", max_length=300)
    measure = forms.CharField(label="整改措施", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.TypedChoiceField(label="责任人", coerce=int)
    due = forms.DateField(label="整改期限", widget=DATE)


class RectDoneForm(forms.Form):
    evidence_text = forms.CharField(label="整改情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_file = forms.FileField(label="佐证材料", required=False)


class DecideForm(forms.Form):
    accept = forms.ChoiceField(choices=[("1", "通过"), ("0", "退回")])
    note = forms.CharField(label="意见", max_length=300, required=False)


class SpeakerForm(forms.Form):
    session = forms.TypedChoiceField(label="集体学习", coerce=int)
    name = forms.CharField(label="辅导人姓名", max_length=60)
    unit_name = forms.CharField(label="工作单位", max_length=120)
    title = forms.CharField(label="职务职称", max_length=80)
    topic = forms.CharField(label="辅导题目", max_length=200)
    outline = forms.CharField(label="辅导提纲", widget=forms.Textarea(attrs={"rows": 4}))


class SpeakerDecideForm(forms.Form):
    approve = forms.ChoiceField(choices=[("1", "同意"), ("0", "不同意")])
    note = forms.CharField(label="把关意见", max_length=300, required=False)


class ItemForm(forms.Form):
    text = forms.CharField(label="评分项", max_length=120)
    guide = forms.CharField(label="评分要点", max_length=300, required=False)
    max_score = forms.IntegerField(label="分值", min_value=1, max_value=100, initial=10)


class InspectionForm(forms.Form):
    unit = forms.TypedChoiceField(label="督查单位", coerce=int)
    title = forms.CharField(label="督查名称", max_length=120)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    due = forms.DateField(label="完成期限", widget=DATE)
    level = forms.ChoiceField(label="督查对象", choices=[("township", "下辖全部乡科级单位"), ("all", "下辖全部单位")])


class InspectorForm(forms.Form):
    inspector = forms.TypedChoiceField(label="督查人员", coerce=int)
