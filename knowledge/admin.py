"""Admin for the knowledge base: articles are written and edited as drafts (``article_draft_save``),
reviewed by a second person, published and retired through the admin actions (each a use case);
feedback is read-only; built indexes are listed, never edited."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from identity.admin import ReadOnlyAdmin, UseCaseAdmin
from knowledge import services
from knowledge.models import Article, Feedback, SearchIndex


@admin.register(Article)
class ArticleAdmin(UseCaseAdmin):
    list_display = ["question", "topic", "item", "status", "author", "reviewer", "reviewed_at", "valid_to"]
    list_filter = ["status", "topic", "language"]
    search_fields = ["question", "phrasings", "answer", "slug"]
    autocomplete_fields = ["item"]
    fields = ["slug", "language", "question", "phrasings", "answer", "topic", "item", "guide_section", "source", "valid_from", "valid_to",
              "status", "author", "reviewer", "reviewed_at", "published_at"]
    readonly_fields = ["status", "author", "reviewer", "reviewed_at", "published_at"]
    actions = ["review", "publish", "retire"]

    def save_through(self, request, record, changed, write):
        services.article_draft_save(actor=request.user, article=record, changed=changed, write=write)

    def has_delete_permission(self, request, obj=None):
        return False  # retire instead: feedback and history keep pointing at it

    def _each(self, request, queryset, use_case, done):
        for article in queryset:
            try:
                use_case(actor=request.user, article=article)
            except DomainError as exc:
                self.message_user(request, f"{article.question}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{article.question}: {done}", messages.SUCCESS)

    @admin.action(description=_("审核通过所选文章（须由编写人以外的人审核）"), permissions=["review"])
    def review(self, request, queryset):
        self._each(request, queryset, services.article_review, _("已审核"))

    @admin.action(description=_("发布所选文章"), permissions=["publish"])
    def publish(self, request, queryset):
        self._each(request, queryset, services.article_publish, _("已发布"))

    @admin.action(description=_("下线所选文章"), permissions=["publish"])
    def retire(self, request, queryset):
        self._each(request, queryset, services.article_retire, _("已下线"))

    def has_review_permission(self, request):
        return request.user.has_perm("knowledge.review_article")

    def has_publish_permission(self, request):
        return request.user.has_perm("knowledge.publish_article")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["question", "useful", "problem", "article", "item", "created_at"]
    list_filter = ["useful", "problem"]
    search_fields = ["question", "comment"]


@admin.register(SearchIndex)
class SearchIndexAdmin(ReadOnlyAdmin):
    list_display = ["id", "built_at", "documents"]
    exclude = ["data"]
