from django.urls import path

from review import brand_views as views
from review import exchange_views

urlpatterns = [
    path("review/brands/", views.brand_list, name="brand_list"),
    path("review/brands/new/<int:pk>/", views.brand_new, name="brand_new"),
    path("review/brands/<int:pk>/", views.brand_detail, name="brand_detail"),
    path("review/brands/<int:pk>/edit/", views.brand_edit, name="brand_edit"),
    path("review/brands/<int:pk>/recommend/", views.brand_recommend, name="brand_recommend"),
    path("review/brands/<int:pk>/return/", views.brand_return, name="brand_return"),
    path("review/brands/<int:pk>/recognise/", views.brand_recognise, name="brand_recognise"),
    path("review/brands/<int:pk>/decline/", views.brand_decline, name="brand_decline"),
    path("review/brands/<int:pk>/withdraw/", views.brand_withdraw, name="brand_withdraw"),
    path("review/exchanges/", exchange_views.exchange_list, name="exchange_list"),
    path("review/exchanges/new/", exchange_views.exchange_new, name="exchange_new"),
    path("review/exchanges/<int:pk>/", exchange_views.exchange_detail, name="exchange_detail"),
    path("review/exchanges/<int:pk>/delete/", exchange_views.exchange_delete, name="exchange_delete"),
]
