from django.db import models


class WorkdayOverride(models.Model):
    """One day whose status differs from what the calendar package says (or a day of a year it does not
    know yet). The State Council publishes next year's 放假调休 schedule each November; the system
    administrator enters it here until a newer package release carries it."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)  # e.g. 春节调休上班
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        verbose_name = "工作日调整"

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '放假'}"
