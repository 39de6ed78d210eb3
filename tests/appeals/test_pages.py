"""The cases' pages answer as a person expects (the browser tests walk them on a phone): the form
prefilled from ``?kind=consult&question=…``, an anonymous submission showing its tracking code once,
my case with its public timeline and the 回访 form, another department's staff getting 404, and a
staff look at the case page recorded for the reporter."""

from django.test import Client
from django.utils import translation

from appeals.actions import CASE_VIEWED
from appeals.models import Case, Status
from identity.models import AuditEvent
from tests.factories import sign_in_with_second_factor


def test_the_form_is_prefilled_for_a_transfer_from_the_knowledge_answer(db):
    page = Client().get("/cases/new/?kind=consult&question=驾照快到期了怎么换")
    assert page.status_code == 200
    assert "驾照快到期了怎么换</textarea>" in page.content.decode() and 'value="consult" checked' in page.content.decode()


def test_an_anonymous_visitor_gets_a_tracking_code(db):
    page = Client().post("/cases/new/", {"kind": "report", "text": "夜间施工扰民", "contact_phone": "13700000001"})
    case = Case.objects.get()
    assert page.status_code == 200 and case.number in page.content.decode() and 'data-testid="tracking-code"' in page.content.decode()
    assert case.reporter is None and case.anonymous


def test_my_case_shows_public_texts_and_the_callback_form(make_case, reporter):
    case = make_case(Status.REPLIED, reply_public="已修复", reply_internal="班组内部说明")
    client = Client()
    client.force_login(reporter)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "已修复" in page and "班组内部说明" not in page and 'data-testid="callback-form"' in page
    client.post(f"/cases/{case.number}/", {"solved": "1", "satisfied": "1"})
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_staff_pages_audit_the_look_and_hide_other_departments(make_case, handler, other_handler):
    case = make_case(Status.DISPATCHED)
    mine, theirs = Client(), Client()
    sign_in_with_second_factor(mine, handler)
    sign_in_with_second_factor(theirs, other_handler)
    assert theirs.get(f"/cases/staff/{case.number}/").status_code == 404
    page = mine.get(f"/cases/staff/{case.number}/")
    assert page.status_code == 200 and 'data-testid="accept"' in page.content.decode()
    assert AuditEvent.objects.filter(action=CASE_VIEWED, actor=handler, subject=case.reporter).count() == 1
    mine.post(f"/cases/staff/{case.number}/", {"action": "accept"})
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_the_public_yardsticks_page_shows_the_case_scores(make_case, dept):
    from django.utils import timezone

    now = timezone.now()
    make_case(Status.CLOSED, dispatched_at=now, return_due=now, accepted_at=now, called_back_at=now, solved=True, satisfied=True)
    page = Client().get("/yardsticks/").content.decode()
    assert 'data-testid="case-scores"' in page and dept.name in page and "100.0" in page


def test_the_timeline_is_read_in_the_readers_language_whatever_the_writers(reporter):
    from django.utils import translation

    from appeals.models import Channel
    from appeals.services import intake

    with translation.override("en"):
        received = intake.case_submit(actor=reporter, channel=Channel.PORTAL, intake=intake.Intake(kind="complaint", title="路灯", text="小区路灯坏了"))
    event = received.case.timeline.get()
    assert event.actor_label == "网站"
    with translation.override("en"):
        assert event.actor_words == "Website"
    with translation.override("zh-hans"):
        assert event.actor_words == "网站"


def test_the_submitted_page_leads_to_tracking_with_the_number_filled_in(db):
    page = Client().post("/cases/new/", {"kind": "report", "text": "夜间施工扰民", "contact_phone": "13700000001"}).content.decode()
    number = Case.objects.get().number
    assert f"/cases/track/?number={number}" in page
    assert f'value="{number}"' in Client().get(f"/cases/track/?number={number}").content.decode()


def test_my_account_leads_to_my_cases(reporter):
    client = Client()
    client.force_login(reporter)
    page = client.get("/account/").content.decode()
    assert 'data-testid="my-cases"' in page and 'href="/cases/"' in page


def test_the_footer_link_opens_the_form_on_a_question(db):
    home = Client().get("/").content.decode()
    assert 'href="/cases/new/">' in home  # 我要咨询投诉, with no kind chosen for the person
    page = Client().get("/cases/new/").content.decode()
    assert 'value="consult" checked' in page and 'value="complaint" checked' not in page


def test_a_case_not_yet_dispatched_says_when_its_reply_is_due_in_words(make_case, reporter):
    waiting = make_case(Status.NEW, reply_days=5)
    make_case(Status.CLOSED)
    client = Client()
    client.force_login(reporter)
    case_page = client.get(f"/cases/{waiting.number}/").content.decode()
    assert "派单后 5 个工作日内答复" in case_page
    mine = client.get("/cases/").content.decode()
    assert mine.count("派单后 5 个工作日内答复") == 1 and 'data-testid="case-due">已办结</td>' in mine and "—" not in mine


def test_the_purpose_of_a_staff_look_is_read_in_the_reporters_language_whatever_the_staffs(make_case, handler, reporter):
    with translation.override(None):  # the pages below switch this thread to English: give it back as it was
        case = make_case(Status.DISPATCHED)
        staff = Client()
        sign_in_with_second_factor(staff, handler)
        staff.cookies["django_language"] = "en"
        assert staff.get(f"/cases/staff/{case.number}/").status_code == 200  # looked at in English
        citizen = Client()
        citizen.force_login(reporter)
        citizen.cookies["django_language"] = "zh-hans"
        row = citizen.get("/account/").content.decode().split('data-action="case_viewed"')[1].split("</tr>")[0]
        assert "<td>办理诉求</td>" in row and "Handling" not in row
        citizen.cookies["django_language"] = "en"
        assert "<td>Handling a case</td>" in citizen.get("/account/").content.decode()
