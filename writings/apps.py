from django.apps import AppConfig


class WritingsConfig(AppConfig):
    name = "writings"
    verbose_name = "个人学习成果"
