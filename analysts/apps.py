from django.apps import AppConfig


class AnalystsConfig(AppConfig):
    name = "analysts"
    verbose_name = "Analysts"
