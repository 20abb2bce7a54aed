from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrity"
    verbose_name = "真学真记"

    def ready(self):
        from . import checks  # noqa: F401 - registers the settings check
