from django import forms
from django.utils import timezone

from .models import MaterialKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MaterialForm(forms.Form):
    owner_unit = forms.TypedChoiceField(label="发布单位", coerce=int, help_text="资料对该单位及其下级单位可见")
    title = forms.CharField(label="标题", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=MaterialKind.choices)
    published_on = forms.DateField(label="发布日期", widget=DATE)
    source = forms.CharField(label="来源", max_length=200, required=False, help_text="如：人民日报、求是、新华社")
    important = forms.BooleanField(label="重要讲话（纳入第一议题“第一时间”督导）", required=False)
    tags = forms.CharField(label="标签", max_length=200, required=False, help_text="多个标签用逗号或顿号分隔")
    text = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text="也可以在保存后上传 .docx、.pdf、.txt 文件，系统会提取其中的文字")
    file = forms.FileField(label="附件（.docx、.pdf、.txt）", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [(u.pk, u.name) for u in units]


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件（.docx、.pdf、.txt）")


class FirstItemForm(forms.Form):
    meeting_date = forms.DateField(label="会议日期", widget=DATE)
    meeting_title = forms.CharField(label="会议名称", max_length=120, help_text="如：党委会（第12次）")
    materials = forms.TypedMultipleChoiceField(label="第一议题学习的资料", coerce=int,
                                               widget=forms.SelectMultiple(attrs={"size": 8}))
    # Plain ids offered as a list: the service checks the topic belongs to this group and answers in Chinese.
    plan_topic = forms.IntegerField(label="对应计划专题（可选）", required=False, widget=forms.Select())
    reference_topic = forms.IntegerField(label="对应参考议题（可选）", required=False, widget=forms.Select())
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, materials=(), topics=(), references=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].choices = [(m.pk, f"{m.published_on:%Y-%m-%d} {m.title}") for m in materials]
        self.fields["plan_topic"].widget.choices = [("", "（无）")] + [
            (t.pk, f"{t.plan.year}年 {t.title}") for t in topics]
        self.fields["reference_topic"].widget.choices = [("", "（无）")] + [
            (r.pk, f"{r.year}年 {r.title}") for r in references]
        self.fields["meeting_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class ReadingListForm(forms.Form):
    owner_unit = forms.TypedChoiceField(label="发布单位", coerce=int)
    title = forms.CharField(label="书目名称", max_length=120)
    year = forms.IntegerField(label="年度")
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [(u.pk, u.name) for u in units]


class ReadingListAddForm(forms.Form):
    material = forms.IntegerField(label="资料编号")
    note = forms.CharField(label="说明", max_length=200, required=False)
