from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "generator.web"
    label = "baocao"
    verbose_name = "Báo cáo"
    default_auto_field = "django.db.models.BigAutoField"
