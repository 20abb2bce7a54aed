from django.urls import path

from . import views

app_name = "research"
urlpatterns = [
    path("", views.index, name="index"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/claim/", views.topic_claim, name="topic_claim"),
    path("topics/<int:pk>/advance/", views.topic_advance, name="topic_advance"),
    path("topics/<int:pk>/outcome/", views.outcome_add, name="outcome_add"),
    path("lectures/new/", views.lecture_create, name="lecture_create"),
    path("groups/<int:pk>/lectures/", views.group_lectures, name="group_lectures"),
    path("overview/", views.overview, name="overview"),
    path("profile/", views.profile, name="profile"),
    path("profile/docx/", views.profile_docx, name="profile_docx"),
]
