from django.contrib import admin

from .models import IntegritySignal


@admin.register(IntegritySignal)
class IntegritySignalAdmin(admin.ModelAdmin):
    list_display = ["kind", "group", "session", "year", "created", "explained_at"]
    list_filter = ["kind", "year"]
    readonly_fields = [f.name for f in IntegritySignal._meta.fields]
