from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workdays"
    verbose_name = "工作日历"
