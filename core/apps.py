from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import dataversion

        install_input_cleaning()
        # Every write moves the data version that cached pages are kept under (core/dataversion.py).
        connection_created.connect(dataversion.install, dispatch_uid="core.dataversion")


def install_input_cleaning():
    """Every form CharField and every API CharField passes its text through core.cleaning.clean_text.

    Done once here rather than in each of the apps' forms and serializers so that no new field can forget
    it: a name with a control character used to be stored and then break every export containing it.
    Passwords are left exactly as typed.
    """
    from django import forms
    from rest_framework import fields

    from .cleaning import clean_text

    if getattr(forms.CharField.to_python, "_cleans", False):
        return
    form_to_python = forms.CharField.to_python
    api_to_internal = fields.CharField.to_internal_value

    def to_python(self, value):
        value = form_to_python(self, value)
        if isinstance(self.widget, forms.PasswordInput):
            return value
        return clean_text(value, multiline=isinstance(self.widget, forms.Textarea))

    def to_internal_value(self, data):
        value = api_to_internal(self, data)
        if self.style.get("input_type") == "password":
            return value
        return clean_text(value, multiline=True)

    to_python._cleans = to_internal_value._cleans = True
    forms.CharField.to_python = to_python
    fields.CharField.to_internal_value = to_internal_value
