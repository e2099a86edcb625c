from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("todo/funding_page/<int:pk>/", not_yet, name="funding_page"),
    path("todo/room_page/<int:pk>/", not_yet, name="room_page"),
    path("todo/notice_list/<int:pk>/", not_yet, name="notice_list"),
]
