from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("units/<int:pk>/ranking.xlsx", views.ranking_export, name="ranking_export"),
    path("units/<int:pk>/system/", views.system, name="system"),
    path("units/<int:pk>/manual/", views.manual_score, name="manual_score"),
    path("units/<int:pk>/focus/", views.focus, name="focus"),
    path("units/<int:pk>/stars/", views.rounds, name="rounds"),
    path("groups/<int:pk>/evaluation/", views.evaluation_create, name="evaluation_create"),
    path("groups/<int:pk>/study-report/", views.study_report, name="study_report"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
    path("evaluations/<int:pk>/vote/", views.vote, name="vote"),
    path("stars/<int:pk>/", views.round_detail, name="round"),
    path("stars/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("stars/<int:pk>/decide/", views.decide, name="decide"),
    path("stars/<int:pk>/publish/", views.publish, name="publish"),
    path("stars/<int:pk>/list/", views.round_public, name="round_public"),
    path("nominations/<int:pk>/review/", views.review, name="review"),
]
