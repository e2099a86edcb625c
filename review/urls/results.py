from django.urls import path

from review import duty_report_views as dr
from review import rectification_views as rv
from review import reward_views as rw

urlpatterns = [
    path("review/rewards/", rw.reward_list, name="reward_list"),
    path("review/rewards/new/", rw.reward_new, name="reward_new"),
    path("review/rewards/rewards.xlsx", rw.reward_xlsx, name="reward_xlsx"),
    path("review/duty-reports/", dr.duty_report_list, name="duty_report_list"),
    path("review/duty-reports/committee/<int:pk>/<int:year>/generate/", dr.duty_report_generate,
         name="duty_report_generate"),
    path("review/duty-reports/<int:pk>/", dr.duty_report_detail, name="duty_report_detail"),
    path("review/duty-reports/<int:pk>/pack.pdf", dr.duty_report_pdf, name="duty_report_pdf"),
    path("review/duty-reports/<int:pk>/rate/", dr.duty_report_rate, name="duty_report_rate"),
    path("rectification/<int:pk>/weak/", rv.rectification_weak, name="rectification_weak"),
    path("rectification/<int:pk>/reorganize/", rv.rectification_reorganize, name="rectification_reorganize"),
]
