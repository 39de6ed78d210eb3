"""没解决？转人工: from an answer to the 咨询 form, which shows the answers already seen and sends them with the
case to whoever replies; a question typed straight into the form gets the knowledge answer first."""

from urllib.parse import urlsplit

from django.utils.html import escape

from appeals.models import Case
from knowledge.selectors import answer


def test_handing_off_from_an_answer_creates_one_case_carrying_the_answers_seen(knowledge_base, client, citizen):
    seen = answer("驾照快到期了怎么换", language="zh-hans")
    client.force_login(citizen)

    form = client.get(seen.handoff_url)
    assert form.status_code == 200
    body = form.content.decode()
    assert "您已看过的回答" in body and escape(seen.best.title) in body and 'name="look"' in body

    fields = {"kind": "consult", "text": "驾照快到期了怎么换，外地能换吗？", "contact_phone": "13800000101",
              "candidate": [f"{p.title[:40]}|{p.url}" for p in seen.passages]}
    assert client.post(urlsplit(seen.handoff_url).path, fields).status_code == 302
    assert client.post(urlsplit(seen.handoff_url).path, fields).status_code == 302  # a second press merges

    case = Case.objects.get()
    assert case.kind == "consult" and case.text.startswith("驾照快到期了")
    assert [c["url"] for c in case.knowledge_candidates] == [p.url for p in seen.passages]


def test_a_question_typed_into_the_form_is_answered_before_it_becomes_a_case(knowledge_base, client, citizen):
    client.force_login(citizen)
    looked = client.post("/cases/new/", {"kind": "consult", "text": "驾照快到期了怎么换", "look": "1"})
    assert looked.status_code == 200
    assert 'data-testid="answer-best"' in looked.content.decode() and 'name="candidate"' in looked.content.decode()
    assert not Case.objects.exists()

    arrived = client.get("/cases/new/?kind=consult&question=驾照快到期了怎么换")
    assert 'data-testid="answer-best"' in arrived.content.decode()


def test_a_candidate_pointing_elsewhere_is_dropped(knowledge_base, client, citizen):
    client.force_login(citizen)
    client.post("/cases/new/", {"kind": "consult", "text": "驾照快到期了怎么换？", "contact_phone": "13800000101",
                                "candidate": ["钓鱼|https://evil.example/", "也不行|//evil.example/x", "办事指南|/services/GA-001/"]})
    assert Case.objects.get().knowledge_candidates == [{"title": "办事指南", "url": "/services/GA-001/"}]
