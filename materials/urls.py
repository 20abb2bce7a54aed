from django.urls import path

from . import views

app_name = "materials"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("lists/", views.reading_lists, name="reading_lists"),
    path("lists/<int:pk>/", views.reading_list, name="reading_list"),
    path("first-item/", views.first_items, name="first_items"),
    path("first-item/groups/<int:pk>/", views.group_first_items, name="group_first_items"),
    path("first-item/timeliness/", views.timeliness, name="timeliness"),
]
