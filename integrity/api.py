"""Read-only API for integrity signals and reuse matches; the same access rules as the pages (foreign → 404)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from orgs import access as org_access

from . import selectors
from .models import IntegritySignal, ReuseMatch, ReuseText
from .reuse_report import shown_matches


class SignalSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = IntegritySignal
        fields = ["id", "kind", "kind_label", "group", "session", "year", "explanation", "facts", "created",
                  "explained_at", "note"]


class SignalFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="年度")
    group = serializers.IntegerField(required=False, min_value=1, help_text="中心组 id")


@extend_schema_view(list=extend_schema(parameters=[SignalFilter]))
class SignalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SignalSerializer

    def get_queryset(self):
        qs = IntegritySignal.objects.filter(group__in=org_access.groups_visible(self.request.user))
        f = SignalFilter(data=self.request.query_params)
        f.is_valid(raise_exception=True)
        for key in ("year", "group"):
            if f.validated_data.get(key):
                qs = qs.filter(**{key: f.validated_data[key]})
        return qs.order_by("-created", "-id")


class TextSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    author_name = serializers.CharField(source="author.name", default="", read_only=True)
    group_name = serializers.CharField(source="group.name", default="", read_only=True)

    class Meta:
        model = ReuseText
        fields = ["id", "kind", "kind_label", "title", "author_name", "group_name", "written_on", "year"]


class MatchSerializer(serializers.ModelSerializer):
    source = TextSerializer(read_only=True)
    suspect = TextSerializer(read_only=True)

    class Meta:
        model = ReuseMatch
        fields = ["id", "source", "suspect", "score", "self_reuse", "passages", "created"]


class MatchViewSet(viewsets.ReadOnlyModelViewSet):
    """文字重复: `suspect` was written after `source`. Only matches whose two texts the caller may see."""

    serializer_class = MatchSerializer

    def get_queryset(self):
        groups = org_access.groups_visible(self.request.user)
        qs = shown_matches(ReuseMatch.objects.filter(source__group__in=groups, suspect__group__in=groups))
        return qs.select_related(
            "source__author", "source__group", "suspect__author", "suspect__group").order_by("-score", "id")

    def get_object(self):
        return selectors.get_match_for(self.request.user, self.kwargs["pk"])
