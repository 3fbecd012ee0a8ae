from django.apps import AppConfig


class AnalystsConfig(AppConfig):
    name = "analysts"
    verbose_name = "Analysts and reviews"

    def ready(self):
        from analysts import signals  # noqa: F401  (connects the receivers)
