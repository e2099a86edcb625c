"""阵地."""

from django.urls import path

from ledgers.venue import views

urlpatterns = [
    path("branch/<int:pk>/room/", views.room_page, name="room_page"),
    path("branch/<int:pk>/room/edit/", views.room_edit, name="room_edit"),
    path("branch/<int:pk>/room/check/<slug:item>/", views.room_check_edit, name="room_check_edit"),
]
