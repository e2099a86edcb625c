from django.urls import path

from ledgers.dues import views as dues_views

# dues_month / dues_bases / dues_arrears take the branch pk (?month=2026-11, ?year=2026).
urlpatterns = [
    path("branch/<int:pk>/dues/", dues_views.dues_month, name="dues_month"),
    path("branch/<int:pk>/dues/bases/", dues_views.dues_bases, name="dues_bases"),
    path("branch/<int:pk>/dues/arrears/", dues_views.dues_arrears, name="dues_arrears"),
    path("branch/<int:pk>/dues/arrears/notify/", dues_views.dues_notify, name="dues_notify"),
    path("branch/<int:pk>/dues/backfill/", dues_views.dues_backfill, name="dues_backfill"),
    path("member/<int:pk>/dues/remind/", dues_views.dues_remind, name="dues_remind"),
]
