from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "学习计划"
