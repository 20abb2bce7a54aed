from django import forms


class OverrideForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(label="当天", choices=[("0", "放假"), ("1", "上班（调休）")],
                                        coerce=lambda v: v == "1")
    note = forms.CharField(label="说明", max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "如：春节放假、国庆调休上班"}))
