from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
