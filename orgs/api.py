from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.idempotency import idempotent_api

from . import access, selectors, services
from .models import Person, Role, StudyGroup, Unit


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "kind", "kind_label", "level", "level_label", "parent", "depth",
                  "closed_on", "version"]


class GroupSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = StudyGroup
        fields = ["id", "name", "unit", "unit_name"]


class PersonSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "gender", "unit", "unit_name", "post", "rank", "phone", "version"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not access.can_see_person_details(request.user, instance):
            data.update(gender="", post="", rank="", phone="")  # PIPL: names and roles only for a plain member
        return data


class MemberSerializer(serializers.Serializer):
    membership_id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    gender = serializers.CharField()
    unit = serializers.CharField()
    post = serializers.CharField()
    rank = serializers.CharField()
    phone_masked = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)


class MemberCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    gender = serializers.ChoiceField(choices=["", "M", "F"], required=False, default="")
    post = serializers.CharField(max_length=80, required=False, default="", allow_blank=True)
    rank = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    start = serializers.DateField(required=False)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer

    def get_queryset(self):
        return access.units_visible(self.request.user).order_by("path")

    def get_object(self):
        return access.get_unit_for(self.request.user, self.kwargs["pk"])


class GroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GroupSerializer

    def get_queryset(self):
        return access.groups_visible(self.request.user, study_records=False).select_related("unit")

    def get_object(self):
        return access.get_group_for(self.request.user, self.kwargs["pk"], study_records=False)

    @extend_schema(responses=MemberSerializer(many=True), request=MemberCreateSerializer)
    @action(detail=True, methods=["get", "post"])
    @idempotent_api("member.add")
    def members(self, request, pk=None):
        if request.method == "POST":
            group = access.get_group_for(request.user, pk, write=True, study_records=False)
            data = MemberCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            d = data.validated_data
            from django.db import transaction

            with transaction.atomic():
                person = services.person_create(unit=group.unit, name=d["name"], gender=d["gender"], post=d["post"],
                                                rank=d["rank"], phone=d["phone"], by=request.user)
                membership = services.membership_add(group=group, person=person, role=d["role"],
                                                     start=d.get("start") or timezone.localdate(), by=request.user)
            row = next(r for r in selectors.group_members(group, membership.start) if r.membership_id == membership.pk)
            return Response(MemberSerializer(row).data, status=status.HTTP_201_CREATED)
        group = self.get_object()
        return Response(MemberSerializer(selectors.group_members(group, viewer=request.user), many=True).data)


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer

    def get_queryset(self):
        return access.people_visible(self.request.user).select_related("unit").order_by("id")

    def get_object(self):
        return access.get_person_for(self.request.user, self.kwargs["pk"])
