from django import forms

from .models import EvidenceKind, LectureKind, OutcomeKind


class TopicForm(forms.Form):
    group = forms.TypedChoiceField(label="中心组", coerce=int, choices=())
    title = forms.CharField(label="调研课题", max_length=200)
    description = forms.CharField(label="调研内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label="转化方向", choices=OutcomeKind.choices)
    description = forms.CharField(label="转化内容", widget=forms.Textarea(attrs={"rows": 3}))
    evidence_kind = forms.ChoiceField(label="佐证类型", choices=EvidenceKind.choices)
    evidence = forms.CharField(label="佐证", max_length=300, help_text="文件文号、会议决定或采纳的措施")


class LectureForm(forms.Form):
    group = forms.TypedChoiceField(label="所在中心组", coerce=int, choices=())
    kind = forms.ChoiceField(label="类型", choices=LectureKind.choices)
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label="题目", max_length=200)
    place = forms.CharField(label="地点", max_length=200)
    audience = forms.CharField(label="对象", max_length=200)
    size = forms.IntegerField(label="人数", min_value=1, max_value=100000)
    contact_point = forms.CharField(label="联系点", max_length=200, required=False)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]
