from django import forms

from .models import Gender, Role, SupervisorKind, UnitKind, UnitLevel


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    kind = forms.ChoiceField(label="组织类型", choices=UnitKind.choices)
    level = forms.ChoiceField(label="层级", choices=UnitLevel.choices)


class RenameForm(forms.Form):
    name = forms.CharField(label="新名称", max_length=100)
    on = forms.DateField(label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明（如文件依据）", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    parent = forms.IntegerField(label="新的上级单位编号")
    on = forms.DateField(label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    on = forms.DateField(label="撤销日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=200, required=False)


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=40)
    gender = forms.ChoiceField(label="性别", choices=[("", "—")] + list(Gender.choices), required=False)
    post = forms.CharField(label="职务", max_length=80, required=False)
    rank = forms.CharField(label="职级", max_length=40, required=False)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)


class MemberAddForm(PersonForm):
    role = forms.ChoiceField(label="角色", choices=Role.choices, initial=Role.MEMBER)
    start = forms.DateField(label="加入日期", widget=forms.DateInput(attrs={"type": "date"}))


class MembershipEndForm(forms.Form):
    end = forms.DateField(label="离开日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="原因", max_length=200, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class SupervisorForm(forms.Form):
    username = forms.CharField(label="账号用户名", max_length=150)
    kind = forms.ChoiceField(label="部门", choices=SupervisorKind.choices)
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))


class ObserverForm(forms.Form):
    person = forms.IntegerField(label="人员编号", help_text="在“人员”页面打开此人，地址中的数字即人员编号")
    note = forms.CharField(label="备注（如专长）", max_length=200, required=False)


def apply_errors(form, exc):
    """Put a service's ValidationError onto the form, field by field where the field exists."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
