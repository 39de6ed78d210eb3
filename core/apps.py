from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel every app stands on: domain errors, the use-case contract, the task outbox, field
    schemas, and the rules about a person's numbers (age, birth date, masking). Nothing domain-specific."""

    name = "core"
    verbose_name = "Qilu kernel"
    default_auto_field = "django.db.models.BigAutoField"
