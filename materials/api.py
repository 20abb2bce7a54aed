"""Read-only API for the 学习资料库. Reads go through materials.access; ?q= is the library page's full-text
search (materials/search.py), so a query of punctuation only is refused with the same Chinese 400."""

from django.db.models import prefetch_related_objects
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from . import access, search
from .models import Attachment, Material, MaterialKind

MAX_SEARCH_LIMIT = 100  # every hit gets a highlighted snippet: keep a page of search results small


class MaterialSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Material
        fields = ["id", "title", "kind", "kind_label", "source", "published_on", "owner_unit", "owner_unit_name",
                  "important", "tags", "version"]


class MaterialHitSerializer(MaterialSerializer):
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="相关度，越大越相关；不检索时为空")
    snippet = serializers.CharField(read_only=True, allow_null=True,
                                    help_text="命中片段（已转义的 HTML，命中词用 <mark> 标出）；不检索时为空")

    class Meta(MaterialSerializer.Meta):
        fields = MaterialSerializer.Meta.fields + ["score", "snippet"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "ext", "size", "url"]

    def get_url(self, obj) -> str:
        return reverse("materials:attachment", args=[obj.pk])


class MaterialDetailSerializer(MaterialSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(MaterialSerializer.Meta):
        fields = MaterialSerializer.Meta.fields + ["text", "attachments"]


class MaterialFilter(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text="全文检索（中文分词），结果按相关度排序")
    kind = serializers.ChoiceField(required=False, choices=MaterialKind.choices)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=30)
    important = serializers.BooleanField(required=False, help_text="只看重要讲话")


@extend_schema_view(list=extend_schema(parameters=[MaterialFilter], responses=MaterialHitSerializer(many=True)))
class MaterialViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MaterialSerializer

    def get_serializer_class(self):
        return MaterialDetailSerializer if self.action == "retrieve" else MaterialHitSerializer

    def _filters(self):
        f = MaterialFilter(data=self.request.query_params)
        f.is_valid(raise_exception=True)
        return f.validated_data

    def get_queryset(self):
        qs = access.materials_visible(self.request.user)
        if self.action == "list":
            d = self._filters()
            if d.get("kind"):
                qs = qs.filter(kind=d["kind"])
            if (d.get("tag") or "").strip():
                qs = qs.filter(tags__name=d["tag"].strip())
            if d.get("important"):
                qs = qs.filter(important=True)
        return qs.select_related("owner_unit").prefetch_related("tags").order_by("-published_on", "-id")

    def get_object(self):
        return access.get_material_for(self.request.user, self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        # As on the library page: the query is trimmed and cut to the search's length; blank means no search.
        q = (self._filters().get("q") or "").strip()[: search.MAX_QUERY_CHARS]
        if not q:
            return super().list(request, *args, **kwargs)
        paginator = self.paginator
        limit = min(paginator.get_limit(request), MAX_SEARCH_LIMIT)
        offset = paginator.get_offset(request)
        results = search.search(self.get_queryset(), q, limit=limit, offset=offset)  # no words -> 400
        materials = [hit.material for hit in results.hits]
        prefetch_related_objects(materials, "tags")
        for hit in results.hits:
            hit.material.score, hit.material.snippet = hit.score, str(hit.snippet)
        # The search pages in SQL itself; hand its total to the paginator so the answer has the usual shape.
        paginator.request, paginator.limit, paginator.offset, paginator.count = request, limit, offset, results.total
        return paginator.get_paginated_response(MaterialHitSerializer(materials, many=True).data)
