from django import forms


class ExplainForm(forms.Form):
    note = forms.CharField(label="情况说明", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写情况说明"})


class RecheckForm(forms.Form):
    unit = forms.IntegerField(label="范围", error_messages={"required": "请选择范围", "invalid": "范围不正确"})
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              error_messages={"required": "请选择年度", "invalid": "年度不正确",
                                              "min_value": "年度不正确", "max_value": "年度不正确"})
