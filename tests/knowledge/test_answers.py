"""The answer to a question: extractive (an article's own words or a guide's section, with source and
review date), two alternatives, 转人工 carrying the question and the candidates; empty when nothing
scores. The same retrieval ranks the catalogue's search, answers the app API and the portal page,
where feedback (useful? what was wrong) is recorded. Retrieval uses no network."""

from urllib.parse import parse_qs, urlsplit

from django.utils import translation

from identity.models import AuditEvent
from knowledge.models import Feedback
from knowledge.selectors import answer


def test_a_colloquial_question_gets_the_guide_or_article_that_answers_it(knowledge_base, no_network):
    result = answer("驾照快到期了怎么换", language="zh-hans")

    assert result.best.item == "GA-001" and result.best.text and result.best.source and result.best.reviewed_on
    assert len(result.alternatives) == 2 and len({p.target for p in result.passages}) == 3
    handoff = urlsplit(result.handoff_url)
    query = parse_qs(handoff.query)
    assert handoff.path == "/cases/new/" and query["kind"] == ["consult"] and query["question"] == ["驾照快到期了怎么换"]
    assert len(query["candidate"]) == 3 and query["candidate"][0].endswith(result.best.url)
    assert no_network == []

    # a guide answer shows the section the question asks about
    from knowledge.selectors import _guide_passage, section_for
    from services.models import ServiceItem

    assert section_for("驾驶证补领要带什么材料") == "materials" and section_for("补领要多久") == "time_limit"
    passage = _guide_passage(ServiceItem.objects.get(code="GA-002"), "驾驶证补领要带什么材料")
    assert "居民身份证" in passage.text and passage.section == "申请材料"


def test_nothing_scores_nothing_is_answered(knowledge_base):
    result = answer("量子色动力学的渐近性质", language="zh-hans")
    assert not result and result.alternatives == [] and result.handoff_url.startswith("/cases/new/?kind=consult")
    assert not answer("   ", language="zh-hans")


def test_the_catalogue_search_finds_items_from_a_colloquial_question(knowledge_base, client):
    from services.selectors import catalogue

    assert [item.code for item in catalogue(q="驾照快到期了怎么换")][:1] == ["GA-001"]
    assert "GA-001" in [item.code for item in catalogue(q="驾驶证")]  # substring matches still come
    page = client.get("/services/", {"q": "驾照快到期了怎么换"}).content.decode()
    assert "机动车驾驶证期满换证" in page


def test_the_app_api_answers_anyone(knowledge_base, api):
    body = api.get("/api/v1/knowledge/answer/", {"q": "社保卡丢了"}).json()
    assert body["best"]["item"] == "RS-003" and body["best"]["kind"] in ("article", "guide")
    assert len(body["alternatives"]) == 2 and body["handoff_url"].startswith("/cases/new/")
    assert api.get("/api/v1/knowledge/answer/", {"q": "量子色动力学"}).json()["best"] is None

    created = api.post("/api/v1/knowledge/feedback/", {"question": "社保卡丢了", "useful": False, "article": body["best"]["article"] or "",
                                                      "item": body["best"]["item"], "problem": "unclear"}, format="json")
    assert created.status_code == 201 and created.json()["problem"] == "unclear"


def test_the_pages_ask_answer_and_record_feedback(knowledge_base, client, citizen):
    assert 'data-testid="ask-q"' in client.get("/").content.decode()  # the home page's question box, anonymous
    assert "驾驶证有效期满前 90 天" in client.get("/knowledge/a/driving-licence-renewal/").content.decode()  # an article's own page
    assert client.get("/knowledge/a/no-such-article/").status_code == 404
    page = client.get("/knowledge/", {"q": "结婚登记要带啥"}).content.decode()
    assert 'data-testid="answer-best"' in page and "身份证" in page and "没解决？转人工" in page and "这个回答有帮助吗" in page

    done = client.post("/knowledge/feedback/", {"question": "结婚登记要带啥", "useful": "no", "problem": "incomplete", "comment": "没说要几张照片",
                                                "article": "marriage-registration", "next": "/knowledge/?q=x"})
    assert done.status_code == 302 and done["Location"] == "/knowledge/?q=x"
    feedback = Feedback.objects.get()
    assert (feedback.useful, feedback.problem, feedback.comment, feedback.article.slug) == (False, "incomplete", "没说要几张照片", "marriage-registration")
    assert AuditEvent.objects.filter(action="knowledge_feedback").count() == 1
    assert client.post("/knowledge/feedback/", {"question": "x", "useful": "yes", "next": "https://elsewhere.example/"})["Location"] == "/knowledge/"
    client.force_login(citizen)
    assert 'data-testid="ask-q"' in client.get("/").content.decode()  # and signed in


def test_an_english_page_marks_a_chinese_article_as_chinese_and_a_chinese_page_marks_nothing(knowledge_base, client):
    with translation.override(None):  # the pages below switch this thread to English: give it back as it was
        from knowledge.models import Article

        assert Article.objects.get(slug="driving-licence-renewal").language == "zh-hans"  # no English text for it
        client.cookies["django_language"] = "en"
        english = client.get("/knowledge/a/driving-licence-renewal/").content.decode()
        assert '<h2 lang="zh-Hans">' in english and 'data-testid="answer-text" lang="zh-Hans"' in english and "Source: " in english
        client.cookies["django_language"] = "zh-hans"
        chinese = client.get("/knowledge/a/driving-licence-renewal/").content.decode()
        assert 'lang="zh-Hans"' not in chinese and "来源：" in chinese
