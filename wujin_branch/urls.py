from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wujin_branch import health, uploads

admin.site.site_header = "武进区党支部规范化建设平台 · 管理后台"
admin.site.site_title = "党支部规范化建设"

urlpatterns = [
    # No login, no HTTPS redirect (SECURE_REDIRECT_EXEMPT): docker checks these over plain http.
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("uploads/pending/<int:pk>/", uploads.thumb_view, name="pending_upload"),
    # first: its branch/<pk>/plans/ serves a committee's 实施方案 and hands branches to ledgers
    path("", include("review.urls.stage")),
    path("", include("ledgers.urls")),
    path("", include("assessment.urls")),
    path("", include("review.urls")),
    path("", include("branches.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    from wujin_branch.media import debug_media

    # never MEDIA_ROOT/private: photos and attachments are served by views that check access
    urlpatterns += static(settings.MEDIA_URL, view=debug_media, document_root=settings.MEDIA_ROOT)
