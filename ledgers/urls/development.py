from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("todo/dev_list/<int:pk>/", not_yet, name="dev_list"),
]
