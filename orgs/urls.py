from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("units/", views.unit_tree, name="tree"),
    path("units/import/", views.unit_import, name="unit_import"),
    path("units/import/template.xlsx", views.unit_template, name="unit_template"),
    path("units/import/<int:batch>/", views.unit_import_preview, name="unit_import_preview"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("units/<int:pk>/export.xlsx", views.unit_export, name="unit_export"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/members/<int:membership_pk>/end/", views.membership_end, name="membership_end"),
    path("groups/<int:pk>/export.xlsx", views.group_export, name="group_export"),
    path("groups/<int:pk>/import/", views.group_import, name="group_import"),
    path("groups/<int:pk>/import/template.xlsx", views.member_template, name="member_template"),
    path("groups/<int:pk>/import/<int:batch>/", views.group_import_preview, name="group_import_preview"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/export.json", views.person_export, name="person_export"),
    path("people/<int:pk>/anonymise/", views.person_anonymise, name="person_anonymise"),
]
