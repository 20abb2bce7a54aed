from django.urls import path

from . import views

app_name = "integrity"
urlpatterns = [
    path("reuse/", views.reuse_recheck, name="reuse_recheck"),
    path("reuse/<int:pk>/", views.reuse_match, name="reuse_match"),
    path("reuse/runs/<int:pk>/", views.reuse_recheck_status, name="reuse_recheck_status"),
    path("signals/<int:pk>/explain/", views.signal_explain, name="signal_explain"),
    path("groups/<int:pk>/", views.group_signals, name="group_signals"),
]
