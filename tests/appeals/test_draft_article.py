"""A good reply to a 咨询 becomes a draft article: 12345's dispatcher writes the question in staff words,
the answer is the public reply, the source names the case; it waits for a second person's review.
Complaints, unanswered cases and staff without the knowledge permission get no such step."""

from django.test import Client

from appeals.models import Status
from identity.roles import sync_roles
from knowledge.models import Article
from tests.factories import sign_in_with_second_factor


def _replied_consult(make_case):
    return make_case(Status.REPLIED, kind="consult", title="外地能换驾照吗", reply_public="可以。在“掌上办”申请机动车驾驶证期满换证，全省通办。")


def test_a_dispatcher_turns_a_reply_into_a_draft_article_for_review(make_case, dispatcher):
    sync_roles()
    case = _replied_consult(make_case)
    client = Client()
    sign_in_with_second_factor(client, dispatcher)

    page = client.get(f"/cases/staff/{case.number}/").content.decode()
    assert 'data-testid="draft-article"' in page
    client.post(f"/cases/staff/{case.number}/", {"action": "draft_article", "question": "在外地可以换驾驶证吗？"})

    article = Article.objects.get()
    assert (article.status, article.question, article.answer) == (Article.Status.DRAFT, "在外地可以换驾驶证吗？", case.reply_public)
    assert case.number in article.source and article.author == dispatcher


def test_no_draft_from_a_complaint_or_without_the_permission(make_case, dispatcher, handler):
    sync_roles()
    complaint = make_case(Status.REPLIED, reply_public="已修好。")
    consult = _replied_consult(make_case)
    staff, department = Client(), Client()
    sign_in_with_second_factor(staff, dispatcher)
    sign_in_with_second_factor(department, handler)

    assert 'data-testid="draft-article"' not in staff.get(f"/cases/staff/{complaint.number}/").content.decode()
    staff.post(f"/cases/staff/{complaint.number}/", {"action": "draft_article", "question": "路灯坏了找谁"})
    assert 'data-testid="draft-article"' not in department.get(f"/cases/staff/{consult.number}/").content.decode()
    department.post(f"/cases/staff/{consult.number}/", {"action": "draft_article", "question": "外地换证"})
    assert not Article.objects.exists()
