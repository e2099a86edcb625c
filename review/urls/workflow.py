from django.urls import path

from review import assessment_views, views

urlpatterns = [
    path("assessment/<int:pk>/self/", assessment_views.assessment_self, name="assessment_self"),
    path("assessment/<int:pk>/", assessment_views.assessment_view, name="assessment_view"),
    path("assessment/<int:pk>/submit/", views.submit, name="assessment_submit"),
    path("assessment/<int:pk>/committee/", views.committee_score, name="committee_score"),
    path("assessment/<int:pk>/district/", views.district_score, name="district_score"),
    path("assessment/<int:pk>/act/<str:action>/", views.act, name="assessment_act"),
    path("assessment/<int:pk>/rectify/", views.rectification_new, name="rectification_new"),
    path("assessment/<int:pk>/inspect/", views.inspection_new, name="inspection_new"),
    path("rectification/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("review/committee/<int:pk>/declare/", views.declaration_new, name="declaration_new"),
    path("assessment/periods/<int:pk>/publish/", views.publication_new, name="publication_new"),
    path("review/objections/", views.objection_list, name="objection_list"),
    path("review/objections/<int:pk>/handle/", views.objection_handle, name="objection_handle"),
    path("notices/", views.notice_list, name="my_notices"),
]
