"""Read-only API for annual study plans. Every read goes through plans.access: a foreign plan is 404."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.api import IdField

from .access import get_plan_for, plans_visible
from .models import StudyPlan, Topic


class TopicSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)  # 必学 / 选学
    format_label = serializers.CharField(source="get_format_display", read_only=True)

    class Meta:
        model = Topic
        fields = ["id", "sort", "title", "kind", "kind_label", "month", "planned_on", "format", "format_label",
                  "materials", "lead", "notes"]


class PlanSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    unit_name = serializers.CharField(source="group.unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = StudyPlan
        fields = ["id", "group", "group_name", "unit_name", "year", "number", "previous", "title", "status",
                  "status_label", "submitted_at", "decided_at", "reported_at", "version"]


class PlanDetailSerializer(PlanSerializer):
    topics = TopicSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = PlanSerializer.Meta.fields + ["reason", "preamble", "requirements", "return_comment", "topics"]


class PlanFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="年度")
    group = IdField(required=False, help_text="中心组 id")


@extend_schema_view(list=extend_schema(parameters=[PlanFilter]))
class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanSerializer

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def get_queryset(self):
        qs = plans_visible(self.request.user).select_related("group__unit")
        if self.action == "list":
            f = PlanFilter(data=self.request.query_params)
            f.is_valid(raise_exception=True)
            qs = qs.filter(**f.validated_data)
        return qs.order_by("-year", "group_id", "-number")

    def get_object(self):
        return get_plan_for(self.request.user, self.kwargs["pk"])
