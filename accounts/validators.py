from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class LengthValidator:
    def validate(self, password, user=None):
        if len(password) < settings.PASSWORD_MIN_LENGTH:
            raise ValidationError(f"密码至少 {settings.PASSWORD_MIN_LENGTH} 位", code="password_too_short")

    def get_help_text(self):
        return f"密码至少 {settings.PASSWORD_MIN_LENGTH} 位。"


def character_classes(password):
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    def validate(self, password, user=None):
        if character_classes(password) < settings.PASSWORD_MIN_CLASSES:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {settings.PASSWORD_MIN_CLASSES} 类",
                code="password_classes",
            )

    def get_help_text(self):
        return f"须包含大写字母、小写字母、数字、符号中的至少 {settings.PASSWORD_MIN_CLASSES} 类。"


class HistoryValidator:
    def validate(self, password, user=None):
        if user is None or not user.pk:
            return
        recent = [user.password] + list(
            user.password_history.values_list("password", flat=True)[: settings.PASSWORD_HISTORY]
        )
        if any(h and check_password(password, h) for h in recent[: settings.PASSWORD_HISTORY]):
            raise ValidationError(f"不能与最近 {settings.PASSWORD_HISTORY} 次使用过的密码相同", code="password_reused")

    def get_help_text(self):
        return f"不能与最近 {settings.PASSWORD_HISTORY} 次使用过的密码相同。"
