from django import forms

from .models import STATUS_BY_LABEL, AttachmentKind, SessionForm, TopicSource

DT = {"type": "datetime-local"}


class SessionScheduleForm(forms.Form):
    title = forms.CharField(label="学习主题", max_length=200)
    topic_source = forms.ChoiceField(label="议题来源", choices=TopicSource.choices, initial=TopicSource.PLAN)
    plan_topic = forms.IntegerField(label="计划专题", required=False, min_value=1, widget=forms.HiddenInput)
    reference_topic = forms.IntegerField(label="参考议题", required=False, min_value=1, widget=forms.HiddenInput)
    form = forms.ChoiceField(label="学习形式", choices=SessionForm.choices)
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label="地点", max_length=200)
    agenda = forms.CharField(label="议程", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    pre_reading = forms.CharField(label="会前学习材料", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="每行一篇：篇名、出处；成员会在学习页面看到")
    lead_reader = forms.TypedChoiceField(label="领学人", required=False, coerce=int, empty_value=None)
    speakers = forms.TypedMultipleChoiceField(label="中心发言人", required=False, coerce=int,
                                              widget=forms.SelectMultiple(attrs={"size": 5}))
    outside_speaker = forms.CharField(label="外请辅导人（如有）", max_length=120, required=False,
                                      help_text="外请辅导须先完成政治把关和备案，方可举行")
    joint_groups = forms.TypedMultipleChoiceField(label="联学参加的其他中心组", required=False, coerce=int,
                                                  widget=forms.SelectMultiple(attrs={"size": 5}))
    materials = forms.TypedMultipleChoiceField(label="资料库学习材料", required=False, coerce=int,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members=(), groups=(), materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].choices = [(m.pk, m.title) for m in materials]
        if not materials:
            del self.fields["materials"]
        people = [(m.person_id, f"{m.name}（{m.role_label}）") for m in members]
        self.fields["lead_reader"].choices = [("", "—")] + people
        self.fields["speakers"].choices = people
        self.fields["joint_groups"].choices = [(g.pk, g.name) for g in groups]


class SpeakerApprovalForm(forms.Form):
    note = forms.CharField(label="把关/备案情况", max_length=200,
                           help_text="如：经区委宣传部审核同意，备案号……")


class LeaveForm(forms.Form):
    reason = forms.CharField(label="请假事由", max_length=200)


class LeaveDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label="审批", choices=[("1", "批准"), ("0", "不批准")], coerce=lambda v: v == "1")
    note = forms.CharField(label="意见", max_length=200, required=False)


class RecordForm(forms.Form):
    minutes = forms.CharField(label="会议纪要", required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 6}))
    summary = forms.CharField(label="学习小结（效果）", required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    briefing = forms.CharField(label="学习简报", required=False, max_length=20000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=AttachmentKind.choices)
    file = forms.FileField(label="文件")


class PreparationForm(forms.Form):
    text = forms.CharField(label="研讨发言材料", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))


class MakeUpForm(forms.Form):
    reflection = forms.CharField(label="补学体会", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label="更正项目")
    new_value = forms.CharField(label="更正后的内容", max_length=50000, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="更正考勤时填写：出席、请假、迟到、缺席 或 列席")
    reason = forms.CharField(label="更正理由", max_length=300)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = choices

    def clean_new_value(self):
        value = self.cleaned_data["new_value"].strip()
        return STATUS_BY_LABEL.get(value, value)
