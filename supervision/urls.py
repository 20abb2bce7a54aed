from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("plan/new/", views.plan_create, name="plan_create"),
    path("plan/<int:pk>/", views.plan, name="plan"),
    path("plan/<int:pk>/visits/", views.plan_visit_add, name="plan_visit_add"),
    path("plan/<int:pk>/groups/", views.plan_groups, name="plan_groups"),
    path("plan/<int:pk>/focus/", views.plan_focus_add, name="plan_focus_add"),
    path("plan/<int:pk>/draw/", views.plan_draw, name="plan_draw"),
    path("plan/<int:pk>/focus-visits/", views.plan_focus_visits, name="plan_focus_visits"),
    path("plan/<int:pk>/export/", views.plan_export, name="plan_export"),
    path("plan/<int:pk>/scores.xlsx", views.scores_export, name="scores_export"),
    path("plan/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("draws/<int:pk>/", views.draw, name="draw"),
    path("observers/", views.pool, name="pool"),
    path("observers/<int:pk>/absence/", views.absence_add, name="absence_add"),
    path("visits/<int:pk>/", views.visit, name="visit"),
    path("visits/<int:pk>/file/", views.visit_file, name="visit_file"),
    path("visits/<int:pk>/assign/", views.visit_assign, name="visit_assign"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/score/", views.visit_score, name="visit_score"),
    path("visits/<int:pk>/feedback.docx", views.visit_docx, name="visit_docx"),
    path("visits/<int:pk>/rectifications/", views.rect_add, name="rect_add"),
    path("invite/", views.invite, name="invite"),
    path("rectifications/", views.rects, name="rects"),
    path("rectifications/export/", views.rects_export, name="rects_export"),
    path("rectifications/<int:pk>/done/", views.rect_done, name="rect_done"),
    path("rectifications/<int:pk>/decide/", views.rect_decide, name="rect_decide"),
    path("rectifications/<int:pk>/file/", views.rect_file, name="rect_file"),
    path("speakers/", views.speakers, name="speakers"),
    path("speakers/<int:pk>/decide/", views.speaker_decide, name="speaker_decide"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/export/", views.campaign_export, name="campaign_export"),
    path("targets/<int:pk>/", views.target, name="target"),
    path("targets/<int:pk>/assign/", views.target_assign, name="target_assign"),
    path("targets/<int:pk>/rectifications/", views.target_rect_add, name="target_rect_add"),
]
