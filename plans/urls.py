from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("groups/<int:pk>/", views.group_plans, name="group"),
    path("groups/<int:pk>/references/<int:ref>/adopt/", views.adopt, name="adopt"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/submit/", views.plan_submit, name="submit"),
    path("<int:pk>/approve/", views.plan_approve, name="approve"),
    path("<int:pk>/return/", views.plan_return, name="return"),
    path("<int:pk>/report/", views.plan_report, name="report"),
    path("<int:pk>/revise/", views.plan_revise, name="revise"),
    path("<int:pk>/plan.docx", views.plan_docx, name="docx"),
    path("<int:pk>/plan.xlsx", views.plan_xlsx, name="xlsx"),
    path("flags/<int:pk>/", views.flag_detail, name="flag"),
    path("supervise/", views.supervise, name="supervise"),
    path("supervise/<int:unit>/<int:year>/guidance/", views.guidance, name="guidance"),
    path("supervise/<int:unit>/<int:year>/references/", views.reference_send, name="reference_send"),
]
