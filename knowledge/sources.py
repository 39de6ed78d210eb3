"""What the index is built from, read from the database: published articles, and the current guide of
every active item (read from its published version, never copied), plus the project dictionary."""

from __future__ import annotations

from identity.models import Department
from knowledge.lexicon import project_words
from knowledge.models import Article
from knowledge.retrieval import Document
from services.models import Category, ServiceItem


def article_document(article: Article) -> Document:
    # the question and other phrasings twice: matching how someone asks weighs more than the answer's words
    asked = "\n".join([article.question, *article.phrasing_list])
    item = article.item.name if article.item_id else ""
    return Document(kind="article", key=article.slug, title=article.question, text=f"{asked}\n{asked}\n{item}\n{article.answer}",
                    language=article.language, item=article.item.code if article.item_id else "",
                    valid_from=article.valid_from.isoformat() if article.valid_from else "",
                    valid_to=article.valid_to.isoformat() if article.valid_to else "")


def guide_document(item: ServiceItem) -> Document:
    version = item.current_version
    materials = "、".join(material.name for material in version.materials.all())
    text = "\n".join([item.name, item.name, item.keywords, item.keywords, item.department.name, version.who_may_apply, version.conditions,
                      version.steps, materials, version.fees, version.window_address])
    return Document(kind="guide", key=item.code, title=item.name, text=text, item=item.code)


def documents() -> list[Document]:
    articles = Article.objects.filter(status=Article.Status.PUBLISHED).select_related("item").order_by("id")
    items = (ServiceItem.objects.filter(is_active=True, current_version__published_at__isnull=False)
             .select_related("department", "current_version").prefetch_related("current_version__materials").order_by("code"))
    return [*(article_document(article) for article in articles), *(guide_document(item) for item in items)]


def dictionary() -> list[str]:
    names = [*ServiceItem.objects.filter(is_active=True).values_list("name", flat=True), *Department.objects.values_list("name", flat=True),
             *Category.objects.values_list("name", flat=True)]
    return project_words(names=names, keywords=ServiceItem.objects.filter(is_active=True).values_list("keywords", flat=True))
