from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:pk>/", views.unit_dashboard, name="unit"),
    path("units/<int:pk>/office/", views.office, name="office"),
    path("units/<int:pk>/bulletins/new/", views.bulletin_new, name="bulletin_new"),
    path("units/<int:pk>/tasks/new/", views.task_new, name="task_new"),
    path("bulletins/<int:pk>.docx", views.bulletin_docx, name="bulletin_docx"),
    path("bulletins/<int:pk>.pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/export.xlsx", views.task_export, name="task_export"),
    path("tasks/<int:pk>/groups/<int:group_pk>/", views.task_submit, name="task_submit"),
    path("groups/<int:pk>/", views.group_dashboard, name="group"),
    path("groups/<int:pk>/archive/", views.archive, name="archive"),
    path("archives/<int:pk>/status/", views.archive_status, name="archive_status"),
    path("archives/<int:pk>.zip", views.archive_download, name="archive_download"),
]
