from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True,
                                                                                       "autocomplete": "username"}))
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    code = forms.CharField(label="动态口令（6 位数字）", max_length=8,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "autofocus": True}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="当前密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label="新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=" ".join(password_validators_help_texts()[1:4]))
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    person = forms.IntegerField(label="人员编号", required=False)
    admin_role = forms.ChoiceField(label="管理员角色", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import AdminRole

        self.fields["admin_role"].choices = [("", "（普通用户）")] + list(AdminRole.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label="名称（用在哪里）", max_length=60)
    scope = forms.ChoiceField(label="权限", choices=[("read", "只读"), ("write", "读写")], initial="read")
    days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=365, initial=90)

    def __init__(self, *args, needs_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code:
            # Step-up: an administrator's token is made only with a fresh code from their authenticator.
            self.fields["code"] = forms.CharField(label="动态口令（管理员创建令牌须再次验证）", max_length=12)
