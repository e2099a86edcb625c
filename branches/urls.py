from django.urls import path

from . import roster_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org_tree, name="org_tree"),
    path("org/<int:pk>/", views.org_tree, name="org_tree"),
    path("org/<int:pk>/new/", views.org_create, name="org_create"),
    path("org/<int:pk>/edit/", views.org_edit, name="org_edit"),
    path("org/<int:pk>/move/", views.org_move, name="org_move"),
    path("org/<int:pk>/merge/", views.org_merge, name="org_merge"),
    path("org/<int:pk>/dissolve/", views.org_dissolve, name="org_dissolve"),
    path("org/shells/", views.shell_list, name="shell_list"),
    path("org/silent/", views.silent_list, name="silent_list"),
    path("branch/<int:pk>/", views.branch_detail, name="branch_detail"),
    path("branch/<int:pk>/members/new/", views.member_create, name="member_create"),
    path("branch/<int:pk>/committee/elect/", views.term_elect, name="term_elect"),
    path("branch/<int:pk>/groups/new/", views.group_edit, name="group_create"),
    path("group/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("group/<int:pk>/dissolve/", views.group_dissolve, name="group_dissolve"),
    path("term/<int:pk>/seats/new/", views.seat_add, name="seat_add"),
    path("term/<int:pk>/postpone/", views.term_postpone, name="term_postpone"),
    path("seat/<int:pk>/vacate/", views.seat_vacate, name="seat_vacate"),
    path("seat/<int:pk>/fill/", views.seat_fill, name="seat_fill"),
    path("members/", views.member_list, name="member_list"),
    path("member/<int:pk>/", views.member_detail, name="member_detail"),
    path("member/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("member/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("member/<int:pk>/sanctions/new/", views.sanction_create, name="sanction_create"),
    path("branch/<int:pk>/roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("branch/<int:pk>/roster/import/", roster_views.roster_import, name="roster_import"),
    path("branch/<int:pk>/roster/export.xlsx", roster_views.roster_export, name="roster_export"),
]
