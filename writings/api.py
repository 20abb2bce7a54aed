"""API for writings: create, edit, submit and read what the caller may see (writings.access); the same
services as the pages, so every rule and every version is the same. Another system (or a unit importing last
year's files) posts writings here; a foreign writing answers 404, and the list never holds one."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import access, search, services
from . import reuse as writing_reuse
from .models import Kind, Writing, WritingVersion


class WritingSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Writing
        fields = ["id", "kind", "kind_label", "title", "text", "day", "year", "person", "person_name", "group", "unit",
                  "plan_topic", "session", "material", "makeup", "ai_assisted", "status", "status_label",
                  "submitted_at", "review_comment", "version"]
        read_only_fields = fields


class WritingHitSerializer(WritingSerializer):
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="相关度；不检索时为空")
    snippet = serializers.CharField(read_only=True, allow_null=True,
                                    help_text="命中片段（已转义的 HTML，命中词用 <mark> 标出）；不检索时为空")

    class Meta(WritingSerializer.Meta):
        fields = WritingSerializer.Meta.fields + ["score", "snippet"]
        read_only_fields = fields


class WritingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, v) for k, v in Kind.choices if k != Kind.MAKEUP])
    group = serializers.IntegerField(help_text="作者所在中心组的 id")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    text = serializers.CharField(allow_blank=True, max_length=services.MAX_CHARS + 1000)
    day = serializers.DateField(required=False, help_text="写作日期；导入往年材料时填原日期")
    plan_topic = serializers.IntegerField(required=False, allow_null=True)
    session = serializers.IntegerField(required=False, allow_null=True)
    material = serializers.IntegerField(required=False, allow_null=True)
    ai_assisted = serializers.BooleanField(required=False, default=False)
    submit = serializers.BooleanField(required=False, default=False, help_text="保存后即提交")


class WritingUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    text = serializers.CharField(allow_blank=True, max_length=services.MAX_CHARS + 1000)
    ai_assisted = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, help_text="读取时的版本号；已被他人修改时拒绝")
    submit = serializers.BooleanField(required=False, default=False)


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WritingVersion
        fields = ["number", "title", "text", "ai_assisted", "status", "note", "saved_at"]


def _linked(model, pk, label):
    """A linked object by id; its visibility is checked by the service (it must belong to the group)."""
    if pk in (None, ""):
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise serializers.ValidationError({label: "所选关联不存在"})
    return obj


class ReuseTextSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    author = serializers.CharField(source="author.name", default=None)
    group = serializers.CharField(source="group.name", default=None)
    written_on = serializers.DateField(help_text="成文日期：先后由它决定，与提交先后无关")


class ReuseMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.FloatField()
    self_reuse = serializers.BooleanField(help_text="同一作者（或同一中心组）的文本，标为自我重复")
    this_is_suspect = serializers.BooleanField(help_text="本篇成文在后，是被提示的一方")
    source = ReuseTextSerializer(help_text="在先的文本")
    suspect = ReuseTextSerializer(help_text="在后的文本")
    passages = serializers.ListField(child=serializers.DictField(), help_text="相同或相近的段落：a 为在后，b 为在先")


class ReuseQuoteSerializer(serializers.Serializer):
    material_id = serializers.IntegerField()
    title = serializers.CharField()
    sentences = serializers.ListField(child=serializers.CharField())


class ReuseReportSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField(source="text.checked_at", default=None)
    matches = ReuseMatchSerializer(many=True)
    quotes = ReuseQuoteSerializer(many=True, help_text="引用学习资料的句子，单独列出，不计入重复")


class WritingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WritingSerializer
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        qs = access.writings_visible(self.request.user).select_related("person").order_by("-day", "-id")
        if self.action == "list":
            for key in ("year", "kind", "status", "group"):
                value = self.request.query_params.get(key)
                if not value:
                    continue
                if key in ("year", "group"):
                    # A number that fits the column, or nothing matches (never a 500 on "null" or 10**30).
                    qs = qs.filter(**{key: int(value)}) if value.isdigit() and len(value) <= 18 else qs.none()
                else:
                    qs = qs.filter(**{key: value})
        return qs

    def get_object(self):
        return access.get_writing_for(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[
        OpenApiParameter("q", str, description="全文检索（中文分词，按相关度排序）；只有标点时答 400。匹配超过 1000 项时只在最新的 1000 项中排序，"
                                   "count 记为 1001"),
        OpenApiParameter("year", int), OpenApiParameter("kind", str), OpenApiParameter("status", str),
        OpenApiParameter("group", int)], responses=WritingHitSerializer(many=True))
    def list(self, request, *args, **kwargs):
        q = (request.query_params.get("q") or "").strip()[: search.MAX_QUERY_CHARS]
        if not q:
            return super().list(request, *args, **kwargs)
        paginator = self.paginator
        limit, offset = min(paginator.get_limit(request), 100), paginator.get_offset(request)
        # The same statement as the search page, among the caller's visible writings only.
        results = search.search(q, materials=None, writings=self.get_queryset(), limit=limit, offset=offset)
        for hit in results.hits:
            hit.obj.score, hit.obj.snippet = hit.score, str(hit.snippet)
        paginator.request, paginator.limit, paginator.offset, paginator.count = request, limit, offset, results.total
        return paginator.get_paginated_response(WritingHitSerializer([h.obj for h in results.hits], many=True).data)

    @extend_schema(request=WritingCreateSerializer, responses={201: WritingSerializer})
    def create(self, request, *args, **kwargs):
        from materials.models import Material
        from meetings.models import StudySession
        from plans.models import Topic

        s = WritingCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        groups = {g.pk: g for g in access.author_groups(request.user)}
        if d["group"] not in groups:
            raise serializers.ValidationError({"group": "您不是该中心组的成员，不能以该中心组名义提交"})
        writing = services.writing_create(
            person=request.user.person, group=groups[d["group"]], kind=d["kind"], title=d.get("title", ""),
            text=d["text"], day=d.get("day"), ai_assisted=d["ai_assisted"], submit=d["submit"], by=request.user,
            plan_topic=_linked(Topic, d.get("plan_topic"), "plan_topic"),
            session=_linked(StudySession, d.get("session"), "session"),
            material=_linked(Material, d.get("material"), "material"))
        return Response(WritingSerializer(writing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WritingUpdateSerializer, responses=WritingSerializer)
    def update(self, request, *args, **kwargs):
        writing = access.get_writing_for(request.user, kwargs["pk"], write=True)
        s = WritingUpdateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        writing = services.writing_update(writing=writing, title=d.get("title"), text=d["text"],
                                          ai_assisted=d.get("ai_assisted"), version=d.get("version"),
                                          submit=d["submit"], by=request.user)
        return Response(WritingSerializer(writing).data)

    @extend_schema(request=None, responses=WritingSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        writing = access.get_writing_for(request.user, pk, write=True)
        return Response(WritingSerializer(services.writing_submit(writing=writing, by=request.user)).data)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        writing = access.get_writing_for(request.user, pk)
        return Response(VersionSerializer(writing.versions.order_by("number"), many=True).data)

    @extend_schema(responses=ReuseReportSerializer)
    @action(detail=True, methods=["get"])
    def reuse(self, request, pk=None):
        """The text-reuse report, for the group's 组长 and 学习秘书 and the supervisors of the subtree; matches
        with texts the caller may not read are left out. Anyone else who may read the writing gets 403."""
        from rest_framework.exceptions import PermissionDenied

        writing = access.get_writing_for(request.user, pk)
        report = writing_reuse.report(request.user, writing)
        if report is None:
            raise PermissionDenied("只有本组的组长、学习秘书和上级督导人员可以查看查重结果")
        return Response(ReuseReportSerializer(report).data)
