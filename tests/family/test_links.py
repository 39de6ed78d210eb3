"""家庭代办 links: who may act for whom, and when that ends (docs/family.md)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid, NotFound
from family import permissions, services
from family.models import FamilyLink
from identity.models import AuditEvent, Notice, SmsMessage
from tests.family.conftest import eighteenth, minor_link, person, years_ago

pytestmark = pytest.mark.django_db


def test_a_parents_declared_link_with_a_minor_waits_for_a_clerk_then_lets_them_act(parent, child, clerk):
    link = services.family_link_request(actor=parent, id_number=child.id_number, name=child.name, relation="女儿")
    assert (link.kind, link.status) == (FamilyLink.Kind.MINOR, FamilyLink.Status.PENDING)
    assert not permissions.may_act(actor=parent, dependant=child, act="services.apply")

    with pytest.raises(Forbidden):
        services.family_link_verify(actor=parent, link=link)  # a parent cannot check their own declaration
    services.family_link_verify(actor=clerk, link=link)

    assert permissions.may_act(actor=parent, dependant=child, act="services.apply")
    assert not permissions.may_act(actor=child, dependant=parent, act="services.apply")  # one way only


def test_an_adults_authorisation_needs_their_confirmation_in_the_app(parent, adult_kin):
    link = services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲", days=30,
                                        acts=["services.apply", "services.track"])
    assert (link.kind, link.status) == (FamilyLink.Kind.ADULT, FamilyLink.Status.PENDING)
    assert not permissions.may_act(actor=parent, dependant=adult_kin, act="services.apply")
    assert Notice.objects.filter(user=adult_kin, kind="family").exists()  # asked in their message centre
    from portal.views import waiting_cards

    assert [card.kind for card in waiting_cards(adult_kin)] == ["family"]  # and on their home's 待办 until they answer

    with pytest.raises(NotFound):
        services.family_link_confirm(actor=parent, link=link)  # the guardian cannot confirm for the adult
    services.family_link_confirm(actor=adult_kin, link=link)

    assert waiting_cards(adult_kin) == []
    assert permissions.may_act(actor=parent, dependant=adult_kin, act="services.apply")
    assert not permissions.may_act(actor=parent, dependant=adult_kin, act="credentials.present")  # not in what they agreed to
    assert not permissions.may_act(actor=parent, dependant=adult_kin, act="services.apply", at=timezone.now() + dt.timedelta(days=31))


def test_an_adult_may_confirm_by_reading_out_the_sms_code_and_a_wrong_code_does_not(parent, adult_kin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        link = services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲")
    sms = SmsMessage.objects.get(purpose="family_confirm")
    assert sms.phone_index == adult_kin.phone_index  # texted to the adult, not the guardian
    code = re.search(r"\d{6}", sms.body).group()

    with pytest.raises(Invalid):
        services.family_link_confirm_code(actor=parent, link=link, code=f"{(int(code) + 1) % 10**6:06d}")
    assert not permissions.may_act(actor=parent, dependant=adult_kin, act="services.apply")
    services.family_link_confirm_code(actor=parent, link=link, code=code)

    link.refresh_from_db()
    assert (link.status, link.channel, link.confirmed_by) == (FamilyLink.Status.ACTIVE, FamilyLink.Channel.SMS, adult_kin)


def test_either_side_revokes_and_the_other_is_told(parent, child, clerk, adult_kin):
    by_parent = minor_link(parent, child, clerk)
    services.family_link_revoke(actor=parent, link=by_parent)
    assert not permissions.may_act(actor=parent, dependant=child, act="services.track")

    by_adult = services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲")
    services.family_link_confirm(actor=adult_kin, link=by_adult)
    services.family_link_revoke(actor=adult_kin, link=by_adult)

    assert not permissions.may_act(actor=parent, dependant=adult_kin, act="services.track")
    assert Notice.objects.filter(user=parent, kind="family", title__contains="解除").exists()


def test_the_18th_birthday_ends_a_parents_rights_on_the_day(parent, clerk):
    teen = person(years_ago(18, days=-1), "王小川", roles=["citizen"])  # 18 tomorrow
    link = minor_link(parent, teen, clerk)
    birthday = eighteenth(teen.family_guardians.get().dependant_born)

    assert permissions.may_act(actor=parent, dependant=teen, act="services.apply", at=birthday - dt.timedelta(seconds=1))
    assert not permissions.may_act(actor=parent, dependant=teen, act="services.apply", at=birthday)
    assert link.ends_at() == birthday


def test_someone_already_18_cannot_be_added_as_a_minor(parent):
    adult_today = person(years_ago(18), "赵成年", roles=["citizen"])  # 18th birthday is today
    link = services.family_link_request(actor=parent, id_number=adult_today.id_number, name=adult_today.name, relation="儿子")
    assert link.kind == FamilyLink.Kind.ADULT  # needs their own confirmation


def test_a_stranger_learns_nothing_about_a_link(parent, child, clerk, other_citizen):
    link = minor_link(parent, child, clerk)
    for step in (services.family_link_revoke, services.family_link_confirm):
        with pytest.raises(NotFound):
            step(actor=other_citizen, link=link)
    assert not permissions.may_act(actor=other_citizen, dependant=child, act="services.track")


def test_each_step_is_audited_with_the_dependant_as_subject(parent, child, clerk):
    link = minor_link(parent, child, clerk)
    services.family_link_revoke(actor=parent, link=link)
    events = AuditEvent.objects.filter(subject=child).order_by("created_at", "id")
    assert [(e.action, e.actor_id) for e in events] == [("family_requested", parent.pk), ("family_confirmed", clerk.pk), ("family_revoked", parent.pk)]


def test_a_second_open_link_to_the_same_person_is_refused(parent, child, clerk):
    minor_link(parent, child, clerk)
    with pytest.raises(Conflict):
        services.family_link_request(actor=parent, id_number=child.id_number, name=child.name, relation="女儿")


def test_both_people_find_the_link_in_their_data_export(parent, child, clerk):
    from identity.exports import document_for

    minor_link(parent, child, clerk)
    assert [(x["relation"], x["status"]) for x in document_for(parent)["family"]["i_act_for"]] == [("女儿", "active")]
    assert [x["relation"] for x in document_for(child)["family"]["acting_for_me"]] == ["女儿"]


def test_acting_for_an_adult_reaches_only_what_they_allowed(client, parent, adult_kin):
    from django.urls import reverse

    link = services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲",
                                        acts=["services.track"])
    services.family_link_confirm(actor=adult_kin, link=link)
    client.force_login(parent)
    client.post(reverse("family-act", args=[link.pk]))

    assert client.get(reverse("wallet")).status_code == 404  # 代亮 not allowed: nothing of theirs, nothing in the wrong name
    assert "正在为 李建国（父亲）代办" in client.get(reverse("my-applications")).content.decode()
    client.post(reverse("family-act", args=[0]))
    assert client.get(reverse("wallet")).status_code == 200


def test_the_switch_refuses_a_link_that_does_not_let_anyone_act_yet(client, parent, child):
    from django.urls import reverse

    pending = services.family_link_request(actor=parent, id_number=child.id_number, name=child.name, relation="女儿")
    client.force_login(parent)
    client.post(reverse("family-act", args=[pending.pk]))
    assert "正在为" not in client.get(reverse("family")).content.decode()


def test_the_switch_goes_back_only_to_a_page_of_this_site(client, parent):
    from django.urls import reverse

    client.force_login(parent)
    assert client.post(reverse("family-act", args=[0]), {"next": "//evil.example/"})["Location"] == reverse("family")


def test_requests_are_a_creation_quota_so_nobody_floods_an_adults_phone(parent, adult_kin, settings):
    from core.quotas import TooMany

    settings.QILU_CREATION_QUOTAS = {"family_requests": (1, 3600)}
    link = services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲")
    services.family_link_revoke(actor=parent, link=link)
    with pytest.raises(TooMany):
        services.family_link_request(actor=parent, id_number=adult_kin.id_number, name=adult_kin.name, relation="父亲")


def test_the_family_page_punctuates_in_the_pages_language(client, parent, parent_of_child):
    client.force_login(parent)
    assert "（女儿） ·" in client.get("/family/").content.decode()
    client.cookies["django_language"] = "en"
    assert "</strong> (女儿) ·" in client.get("/family/").content.decode()
