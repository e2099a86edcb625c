from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核"

    def ready(self):
        # The item rules register themselves on import; the rules table needs them all.
        from assessment import rules  # noqa: F401
