"""Supervisor figures per group and period, maintained by the services that write the records.

A province supervisor reads ~10,000 groups; recounting their sessions, topics and ~2 million attendance rows
on every view took most of a second. The write services call stats.services after each write, so a view
reads one row per group. `manage.py stats_rebuild` recounts everything; a test keeps both equal.
"""

from django.db import models

YEAR = "Y"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
MONTHS = tuple(f"M{m:02d}" for m in range(1, 13))
PERIODS = (YEAR, *QUARTERS, *MONTHS)


class GroupFigures(models.Model):
    """One group's figures for one period of a year: the year ("Y"), a quarter ("Q1"–"Q4") or a month ("M01"–"M12").

    Sessions count by their local day, and only once held (started); cancelled ones never count. Attendance
    counts members (not 列席) on the session's day, the latest correction standing in for the recorded status.
    Plan topics: on the year row, the topics of the approved plan in force and how many were studied; on a
    quarter or month row, the topics due by the period's end (cumulative) and how many of those were studied.
    """

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=3)
    held = models.PositiveIntegerField(default=0)
    seminars = models.PositiveIntegerField(default=0)  # 研讨 (集体研讨 or 联学)
    late_records = models.PositiveIntegerField(default=0)  # sessions flagged 补录
    expected = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)  # present or late
    late_arrivals = models.PositiveIntegerField(default=0)
    leave = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)  # expected, neither attended nor on leave (unrecorded too)
    has_plan = models.BooleanField(default=False)
    topics_total = models.PositiveIntegerField(default=0)
    topics_studied = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    # The start of the group's next session not yet held this year: the figures change then without any
    # write (a session counts once held), so a reader or `stats_rebuild --due` recounts after this moment.
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "year", "period"], name="group_figures_once")]
        indexes = [models.Index(fields=["year", "period", "group"]), models.Index(fields=["valid_until"])]

    def __str__(self):
        return f"{self.group_id} {self.year} {self.period}"
