from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The project package as an app: the models every app shares (notices, background jobs)."""

    name = "wujin_branch"
    label = "kernel"
    verbose_name = "平台"
    default_auto_field = "django.db.models.BigAutoField"
