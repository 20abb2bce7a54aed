from django import forms

from .models import Kind

# Kinds a member starts from the 我的学习成果 page; 补学体会 and 发言材料 start from their task.
FREE_KINDS = [(k, label) for k, label in Kind.choices if k not in (Kind.MAKEUP, Kind.STATEMENT)]


class WritingForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=FREE_KINDS)
    group = forms.TypedChoiceField(label="所在中心组", coerce=int, choices=())
    link = forms.ChoiceField(label="关联", required=False, choices=(),
                             help_text="心得、研讨发言材料和学习文章须关联一项计划专题、集体学习或学习资料")
    title = forms.CharField(label="标题", max_length=200, required=False)
    text = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text="可直接在此书写，也可上传文件（二选一）")
    file = forms.FileField(label="上传文件（.docx、.pdf、.txt，提取其中文字）", required=False)
    ai_assisted = forms.BooleanField(label="借助AI辅助起草", required=False,
                                     help_text="如起草时借助了AI工具，请勾选，材料上会标注")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, groups=(), links=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]
        self.fields["link"].choices = [("", "不关联")] + list(links)
        if editing:
            for name in ("kind", "group", "link"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("file") and (data.get("text") or "").strip():
            raise forms.ValidationError("请在正文和上传文件中二选一：已填写正文时不要再上传文件，正文已为您保留")
        return data


class TaskWritingForm(forms.Form):
    """补学体会 / 发言材料: text typed or uploaded, and the AI label."""

    text = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    file = forms.FileField(label="或上传文件（.docx、.pdf、.txt）", required=False)
    ai_assisted = forms.BooleanField(label="借助AI辅助起草", required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "认可"), ("return", "退回修改")])
    comment = forms.CharField(label="意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
