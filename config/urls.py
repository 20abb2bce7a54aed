from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core import views as core_views
from integrity import api as integrity_api
from materials import api as materials_api
from meetings import api as meetings_api
from orgs import api as orgs_api
from plans import api as plans_api
from supervision import api as supervision_api
from writings import api as writings_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("groups", orgs_api.GroupViewSet, basename="group")
router.register("people", orgs_api.PersonViewSet, basename="person")
router.register("plans", plans_api.PlanViewSet, basename="plan")
router.register("sessions", meetings_api.SessionViewSet, basename="session")
router.register("materials", materials_api.MaterialViewSet, basename="material")
router.register("writings", writings_api.WritingViewSet, basename="writing")
router.register("integrity/signals", integrity_api.SignalViewSet, basename="integrity-signal")
router.register("integrity/matches", integrity_api.MatchViewSet, basename="integrity-match")
router.register("supervision/visits", supervision_api.VisitViewSet, basename="supervision-visit")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("audit/export/", core_views.audit_export, name="audit_export"),
    path("audit/heads/", core_views.audit_heads, name="audit_heads"),
    path("accounts/", include("accounts.urls")),
    path("", include("orgs.urls")),
    path("materials/", include("materials.urls")),
    path("plans/", include("plans.urls")),
    path("meetings/", include("meetings.urls")),
    path("workdays/", include("workdays.urls")),
    path("writings/", include("writings.urls")),
    path("research/", include("research.urls")),
    path("integrity/", include("integrity.urls")),
    path("supervision/", include("supervision.urls")),
    path("assessment/", include("assessment.urls")),
    path("notices/", include("notices.urls")),
    path("reports/", include("reports.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("api/", include(router.urls)),
]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.forbidden"
handler404 = "core.errors.not_found"
handler500 = "core.errors.server_error"
