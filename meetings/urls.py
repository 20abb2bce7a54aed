from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("groups/<int:pk>/", views.group_sessions, name="group"),
    path("groups/<int:pk>/new/", views.schedule, name="schedule"),
    path("groups/<int:pk>/attendance.xlsx", views.group_export, name="group_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/speaker-approval/", views.speaker_approve, name="speaker_approve"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/qr/", views.projector, name="projector"),
    path("<int:pk>/qr/code/", views.qr, name="qr"),
    path("<int:pk>/checkin/", views.checkin, name="checkin"),
    path("<int:pk>/leave/", views.leave_request, name="leave"),
    path("<int:pk>/leave/<int:leave_pk>/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/draw/", views.draw, name="draw"),
    path("<int:pk>/record/", views.record, name="record"),
    path("<int:pk>/attachments/", views.attach, name="attach"),
    path("<int:pk>/attachments/<int:att_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/prepare/", views.prepare, name="prepare"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/partners/<int:gid>/<str:action>/", views.partner, name="partner"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/makeups/report/", views.makeup_report, name="makeup_report"),
    path("<int:pk>/record.docx", views.export_docx, name="export_docx"),
    path("<int:pk>/attendance.xlsx", views.export_xlsx, name="export_xlsx"),
    path("makeups/", views.makeups, name="makeups"),
    path("makeups/<int:pk>/", views.makeup, name="makeup"),
    path("me/", views.my_year, name="my_year"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.ics, name="ics"),
    path("overview/", views.overview, name="overview"),
]
