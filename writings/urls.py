from django.urls import path

from . import views

app_name = "writings"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/review/", views.review, name="review"),
    path("reviews/", views.reviews, name="reviews"),
    path("shared/", views.shared, name="shared"),
    path("search/", views.search_page, name="search"),
]
