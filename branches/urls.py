from django.urls import path

from branches import (
    committee_views,
    member_views,
    roster_views,
)
from branches import (
    views as branches_views,
)

urlpatterns = [
    path("", branches_views.home, name="home"),
    path("org/", branches_views.org_tree, name="org_tree"),
    path("org/<int:pk>/", branches_views.org_tree, name="org_tree"),
    path("org/<int:pk>/new/", branches_views.org_create, name="org_create"),
    path("org/<int:pk>/edit/", branches_views.org_edit, name="org_edit"),
    path("org/<int:pk>/move/", branches_views.org_move, name="org_move"),
    path("org/<int:pk>/merge/", branches_views.org_merge, name="org_merge"),
    path("org/<int:pk>/dissolve/", branches_views.org_dissolve, name="org_dissolve"),
    path("branch/<int:pk>/members/new/", member_views.member_create, name="member_create"),
    path("branch/<int:pk>/committee/elect/", committee_views.term_elect, name="term_elect"),
    path("branch/<int:pk>/groups/new/", committee_views.group_edit, name="group_create"),
    path("group/<int:pk>/edit/", committee_views.group_edit, name="group_edit"),
    path("group/<int:pk>/dissolve/", committee_views.group_dissolve, name="group_dissolve"),
    path("term/<int:pk>/seats/new/", committee_views.seat_add, name="seat_add"),
    path("term/<int:pk>/postpone/", committee_views.term_postpone, name="term_postpone"),
    path("seat/<int:pk>/vacate/", committee_views.seat_vacate, name="seat_vacate"),
    path("seat/<int:pk>/fill/", committee_views.seat_fill, name="seat_fill"),
    path("members/", member_views.member_list, name="member_list"),
    path("member/<int:pk>/", member_views.member_detail, name="member_detail"),
    path("member/<int:pk>/edit/", member_views.member_edit, name="member_edit"),
    path("member/<int:pk>/transfer/", member_views.member_transfer, name="member_transfer"),
    path("member/<int:pk>/sanctions/new/", member_views.sanction_create, name="sanction_create"),
    path("branch/<int:pk>/roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("branch/<int:pk>/roster/import/", roster_views.roster_import, name="roster_import"),
    path("branch/<int:pk>/roster/export.xlsx", roster_views.roster_export, name="roster_export"),
]
