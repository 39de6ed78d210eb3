"""The bench's citizen loader (bench/load_citizens.py) cannot rot when a model gains a column: COPY
writes every NOT NULL column — the loader's own, then each other from the default its model declares
— and a NOT NULL column with neither stops the loader before the first row."""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from bench import load_citizens
from identity.models import User


@pytest.mark.parametrize("model", list(load_citizens.COLUMNS), ids=lambda model: model.__name__)
def test_the_loader_writes_every_not_null_column_of_each_table(model):
    written, _filled = load_citizens.plan(model, load_citizens.COLUMNS[model])
    required = {field.column for field in model._meta.concrete_fields
                if not field.null and not getattr(field, "db_returning", False) and field.db_default is models.NOT_PROVIDED}
    assert required <= set(written), required - set(written)


def test_a_column_added_with_a_default_is_filled_from_the_model():
    """identity_user.elder_mode (NOT NULL, default False) broke `make bench`: the loader never named it."""
    assert "elder_mode" not in load_citizens.COLUMNS[User]
    written, filled = load_citizens.plan(User, load_citizens.COLUMNS[User])
    assert "elder_mode" in written and {field.column for field in filled} >= {"elder_mode"}


@isolate_apps("identity")
def test_a_new_not_null_column_is_filled_or_stops_the_loader():
    class Resident(models.Model):  # noqa: DJ008 — a throwaway model for plan(), never shown
        name = models.CharField(max_length=10)
        added = models.BooleanField(default=True)  # a column added since: filled from its default
        stamp = models.CharField(max_length=8, default=lambda: "per-row")  # a callable default: called for each row
        note = models.TextField(null=True)  # nullable: left to the database
        required = models.IntegerField()  # NOT NULL, no default: the loader must set it

        class Meta:
            app_label = "identity"

    with pytest.raises(load_citizens.UncoveredColumns, match="required"):
        load_citizens.plan(Resident, ["name"])
    with pytest.raises(load_citizens.UncoveredColumns, match="gone"):
        load_citizens.plan(Resident, ["name", "required", "gone"])
    written, filled = load_citizens.plan(Resident, ["name", "required"])
    assert written == ["name", "required", "added", "stamp"]
    assert load_citizens._defaults(filled)() == (True, "per-row")


@pytest.mark.django_db
def test_copy_fills_the_models_defaults_in_the_database():
    if connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL")
    from django.utils import timezone

    from identity import crypto

    number = "370102199001011234"
    now = timezone.now()
    row = ("!", crypto.encrypt(number, context="identity.user.id_number"), crypto.blind_index(number, purpose="id-number"), "张三", False, now, True,
           False, False, now)
    assert load_citizens.copy(User, load_citizens.COLUMNS[User], [row]) == 1
    user = User.objects.get(name="张三")
    assert (user.elder_mode, user.is_active, user.phone) == (False, True, None)
