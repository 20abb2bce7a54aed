"""API for study sessions: reads through meetings.access, attendance writes through meetings.services.

The rules are the pages' rules: a session of a group you cannot see is 404; reading a session you can see but
marking attendance without a managing role in a participating group is 403; the service's Chinese
ValidationErrors (archived session, not a member on that day, not yet held …) are 400 (core.api).
"""

from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IdField
from core.idempotency import idempotent_api
from orgs import access as org_access

from . import access, selectors, services
from .models import TAKING_PART, AttendanceStatus, Participation, StudySession


class RateSerializer(serializers.Serializer):
    attended = serializers.IntegerField()
    expected = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class SessionSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    unit_name = serializers.CharField(source="group.unit.name", read_only=True)
    form_label = serializers.CharField(source="get_form_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = StudySession
        fields = ["id", "group", "group_name", "unit_name", "title", "form", "form_label", "topic_source",
                  "starts_at", "ends_at", "place", "status", "status_label", "late_record", "version"]


class FiveCheckSerializer(serializers.Serializer):
    label = serializers.CharField()  # 时间、地点、人员、内容、效果
    ok = serializers.BooleanField()
    detail = serializers.CharField()


class GroupSummarySerializer(serializers.Serializer):
    group_id = serializers.IntegerField()
    group_name = serializers.CharField()
    is_host = serializers.BooleanField()
    venue = serializers.CharField()
    rate = RateSerializer()
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="考勤状态 -> 人数；未登记的成员计入 unmarked")


class SessionDetailSerializer(SessionSerializer):
    five = FiveCheckSerializer(many=True, read_only=True)
    five_complete = serializers.BooleanField(read_only=True)
    attendance_summary = GroupSummarySerializer(many=True, read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = SessionSerializer.Meta.fields + ["agenda", "pre_reading", "outside_speaker", "plan_topic",
                                                  "reference_topic", "materials", "record_year", "record_no",
                                                  "five", "five_complete", "attendance_summary"]
        read_only_fields = ["plan_topic", "reference_topic", "materials", "record_year", "record_no"]


class MemberLineSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    status = serializers.CharField(help_text="空字符串表示未登记")
    status_label = serializers.CharField()
    source = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    corrected = serializers.CharField(help_text="归档后更正的考勤（最新一条），没有则为空")


class GroupAttendanceSerializer(serializers.Serializer):
    group_id = serializers.IntegerField()
    group_name = serializers.CharField()
    is_host = serializers.BooleanField()
    state = serializers.CharField(help_text="host 主办 / invited 待确认 / accepted 已接受 / declined / left / removed")
    head_count = serializers.IntegerField(help_text="会议当天成员人数（不含列席）；未接受邀请的组只给出人数")
    attendee_count = serializers.IntegerField()
    missing_reason = serializers.CharField()
    rate = RateSerializer()
    lines = MemberLineSerializer(many=True)


class AttendanceWriteSerializer(serializers.Serializer):
    person = IdField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    group = IdField(required=False, help_text="参学中心组 id；只管理一个参学组时可省略")
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class AttendanceRowSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    group = serializers.IntegerField(source="group_id")
    person = serializers.IntegerField(source="person_id")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    note = serializers.CharField()
    source = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class SessionFilter(serializers.Serializer):
    group = IdField(required=False, help_text="参学中心组 id（含联学）")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)


def _summary(sheet):
    counts = Counter(line.status or "unmarked" for line in sheet.lines)
    return {"group_id": sheet.group_id, "group_name": sheet.group_name, "is_host": sheet.is_host,
            "venue": sheet.venue, "rate": sheet.rate,
            "counts": {key: counts.get(key, 0) for key in [*AttendanceStatus.values, "unmarked"]}}


@extend_schema_view(list=extend_schema(parameters=[SessionFilter]))
class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SessionSerializer

    def get_serializer_class(self):
        return SessionDetailSerializer if self.action == "retrieve" else SessionSerializer

    def get_queryset(self):
        qs = access.sessions_visible(self.request.user).select_related("group__unit")
        if self.action == "list":
            f = SessionFilter(data=self.request.query_params)
            f.is_valid(raise_exception=True)
            d = f.validated_data
            if "group" in d:
                # the group's sessions as its page lists them: its own and the 联学 it takes part in
                qs = qs.filter(pk__in=Participation.objects.filter(group_id=d["group"], state__in=TAKING_PART)
                               .values("session_id"))
            if "year" in d:
                qs = qs.filter(starts_at__year=d["year"])
            if "month" in d:
                qs = qs.filter(starts_at__month=d["month"])
        return qs.order_by("-starts_at", "-id")

    def get_object(self):
        return access.get_session_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        session = self.get_object()
        five = services.five_checks(session)
        session.five = [{"label": label, "ok": ok, "detail": detail} for label, ok, detail in five]
        session.five_complete = all(ok for _, ok, _ in five)
        session.attendance_summary = [_summary(sheet) for sheet in selectors.session_attendance(session)]
        return Response(SessionDetailSerializer(session).data)

    @extend_schema(methods=["get"], responses=GroupAttendanceSerializer(many=True))
    @extend_schema(methods=["post"], request=AttendanceWriteSerializer, responses=AttendanceRowSerializer)
    @action(detail=True, methods=["get", "post"])
    @idempotent_api("attendance.record")
    def attendance(self, request, pk=None):
        session = self.get_object()
        if request.method == "GET":
            # What the session page shows every reader: each participating group's members and their status.
            return Response(GroupAttendanceSerializer(selectors.session_attendance(session), many=True).data)
        # As the secretary's phone page: only a managing role in a participating group may mark attendance.
        groups = access.require_attendance_writer(request.user, session)
        data = AttendanceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if "group" in d:
            group = next((g for g in groups if g.pk == d["group"]), None)
            if group is None:
                raise PermissionDenied("您不能登记其他中心组的考勤")
        elif len(groups) == 1:
            group = groups[0]
        else:
            raise ValidationError({"group": "您管理多个参学中心组，请指定要登记的中心组"})
        # Only people this user may see: an id from elsewhere must not reveal a name in the error message.
        person = org_access.people_visible(request.user).filter(pk=d["person"]).first()
        if person is None:
            raise ValidationError({"person": "没有找到这个人员"})
        row = services.attendance_record(session=session, group=group, person=person, status=d["status"],
                                         note=d["note"], by=request.user)
        return Response(AttendanceRowSerializer(row).data)
