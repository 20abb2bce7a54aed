from django import forms
from django.utils import timezone

from .models import Office, TaskKind

QUARTERS = [("", "全年"), ("1", "第一季度"), ("2", "第二季度"), ("3", "第三季度"), ("4", "第四季度")]


class OfficeForm(forms.ModelForm):
    template_file = forms.FileField(label="红头模板（.docx，可选）", required=False,
                                    help_text="上传后使用模板正文中的红头（发文机关标志），不再使用上面的文字")
    clear_template = forms.BooleanField(label="不再使用已上传的模板", required=False)

    class Meta:
        model = Office
        fields = ["mark", "prefix", "recipients", "cc", "printer", "signature"]
        help_texts = {"mark": "如：中共江城区委宣传部文件", "recipients": "如：各镇（街道）党（工）委，区直各单位党组（党委）",
                      "cc": "如：区委办公室", "printer": "如：中共江城区委宣传部办公室"}


class BulletinForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              error_messages={"invalid": "年度应为数字", "min_value": "年度不正确",
                                              "max_value": "年度不正确", "required": "请填写年度"})
    quarter = forms.TypedChoiceField(label="期间", choices=QUARTERS, coerce=int, empty_value=None, required=False,
                                     error_messages={"invalid_choice": "期间只能是某一季度或全年"})


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label="报送类型", choices=TaskKind.choices,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                             error_messages={"invalid_choice": "请选择报送类型", "required": "请选择报送类型"})
    title = forms.CharField(label="标题", max_length=200, error_messages={"required": "请填写标题"})
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year,
                              error_messages={"invalid": "年度应为数字", "min_value": "年度不正确", "max_value": "年度不正确"})
    deadline = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"invalid": "截止日期格式不正确"})
    workdays = forms.IntegerField(label="或：自今日起几个工作日内", required=False, min_value=1, max_value=120,
                                  error_messages={"invalid": "工作日数应为数字", "min_value": "工作日数至少为 1",
                                                  "max_value": "工作日数不能超过 120"})
    instructions = forms.CharField(label="报送要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SubmissionForm(forms.Form):
    text = forms.CharField(label="报送内容", widget=forms.Textarea(attrs={"rows": 8}), max_length=20000,
                           error_messages={"required": "请填写报送内容（可在系统已有数据基础上补充说明）"})
