from django import forms
from django.forms import formset_factory

from .models import Format, Kind


class PlanForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    preamble = forms.CharField(label="一、指导思想和总体要求", required=False,
                               widget=forms.Textarea(attrs={"rows": 6, "placeholder": "写明本年度学习的指导思想、总体要求和重点……"}))
    requirements = forms.CharField(label="三、学习要求", required=False,
                                   widget=forms.Textarea(attrs={"rows": 5, "placeholder": "学习制度、领学研讨、调研转化、请假补学等要求……"}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class TopicForm(forms.Form):
    title = forms.CharField(label="专题", max_length=200, required=False)
    kind = forms.ChoiceField(label="类别", choices=Kind.choices, initial=Kind.REQUIRED)
    month = forms.TypedChoiceField(label="月份", required=False, coerce=int, empty_value=None,
                                   choices=[("", "—")] + [(m, f"{m}月") for m in range(1, 13)])
    planned_on = forms.DateField(label="计划日期", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    format = forms.ChoiceField(label="学习形式", choices=Format.choices, initial=Format.DISCUSSION)
    lead = forms.CharField(label="领学", max_length=100, required=False)
    materials = forms.CharField(label="学习材料", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label="学习要点", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mandated_id = forms.TypedChoiceField(label="对应规定专题", required=False, coerce=int, empty_value=None, choices=[])
    reference_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The topic's identity across edits and versions (see Topic.line); a new row has none.
    line = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, mandated=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mandated_id"].choices = [("", "（自选专题）")] + [(m.id, m.title) for m in mandated]


TopicFormSet = formset_factory(TopicForm, extra=2, can_delete=True, max_num=80, validate_max=True)


class CreatePlanForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class SubmitForm(forms.Form):
    version = forms.IntegerField(required=False)


class ReturnForm(forms.Form):
    comment = forms.CharField(label="退回意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReviseForm(forms.Form):
    reason = forms.CharField(label="修订原因", max_length=300)


class GuidanceForm(forms.Form):
    title = forms.CharField(label="文件标题", max_length=200, required=False)
    # type=date accepts only ISO dates: without the format the zh-hans locale renders 2027/01/31, which the
    # browser drops, and the required field then blocks 发布 with nothing on the page.
    report_deadline = forms.DateField(label="计划报送截止日期",
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    topics = forms.CharField(
        label="规定专题（每行一个；行首写“选学：”表示选学）", widget=forms.Textarea(attrs={"rows": 14}),
        help_text="例如：深入学习贯彻党的二十届四中全会精神")

    def topic_list(self):
        out = []
        for line in self.cleaned_data["topics"].splitlines():
            line = line.strip()
            if not line:
                continue
            kind = Kind.REQUIRED
            for prefix, k in (("选学：", Kind.OPTIONAL), ("选学:", Kind.OPTIONAL), ("必学：", Kind.REQUIRED),
                              ("必学:", Kind.REQUIRED)):
                if line.startswith(prefix):
                    line, kind = line[len(prefix):].strip(), k
            out.append((line, kind))
        return out


class ReferenceForm(forms.Form):
    title = forms.CharField(label="参考议题", max_length=200)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    materials = forms.CharField(label="推荐学习材料", required=False, widget=forms.Textarea(attrs={"rows": 2}))
