"""Read-only API of 巡听旁听 visits for other systems (一表通, 钉钉): the same visibility as the pages."""

from rest_framework import serializers, viewsets

from . import access
from .models import Visit


class VisitSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    plan_unit = serializers.CharField(source="plan.unit.name", read_only=True)
    year = serializers.IntegerField(source="plan.year", read_only=True)
    session_day = serializers.DateField(source="session.day", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "year", "plan_unit", "group", "group_name", "kind", "kind_label", "planned_month",
                  "session", "session_day", "filed_at", "filed_late", "feedback_due", "feedback_at", "status"]


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VisitSerializer

    def get_queryset(self):
        return (access.visits_visible(self.request.user).filter(cancelled=False)
                .select_related("group", "plan__unit", "session").order_by("-plan__year", "id"))

    def get_object(self):
        return access.get_visit_for(self.request.user, self.kwargs["pk"])
