from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("todo/dues_month/<int:pk>/", not_yet, name="dues_month"),
    path("todo/dues_bases/<int:pk>/", not_yet, name="dues_bases"),
    path("todo/dues_arrears/<int:pk>/", not_yet, name="dues_arrears"),
]
