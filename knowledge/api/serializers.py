from rest_framework import serializers

from knowledge.models import Feedback


class PassageSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`article` (an article of the knowledge base) or `guide` (a section of an item's guide)")
    title = serializers.CharField()
    text = serializers.CharField(help_text="The answer's words, as written (extractive: never generated)")
    section = serializers.CharField(help_text="The guide section shown, in words; empty for an article without one")
    source = serializers.CharField()
    reviewed_on = serializers.DateField(allow_null=True, help_text="When these words were last reviewed (a guide: when its version was published)")
    url = serializers.CharField(help_text="The portal page of the article or guide")
    article = serializers.SerializerMethodField(help_text="The article's slug (for feedback); null for a guide")
    item = serializers.CharField(help_text="The service item's code the answer is about; empty if none")

    def get_article(self, passage) -> str | None:
        return passage.article.slug if passage.article is not None else None


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField()
    best = PassageSerializer(allow_null=True, help_text="Null when nothing in the knowledge base scores for the question")
    alternatives = PassageSerializer(many=True, help_text="Up to two more")
    handoff_url = serializers.CharField(help_text="没解决？转人工: the portal's 咨询 form carrying the question and the candidates")


class FeedbackBodySerializer(serializers.Serializer):
    question = serializers.CharField(max_length=200)
    useful = serializers.BooleanField()
    article = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="The slug of the article shown, if the answer was an article")
    item = serializers.CharField(required=False, allow_blank=True, max_length=48, help_text="The item code of the guide shown, if the answer was a guide")
    problem = serializers.ChoiceField(choices=Feedback.Problem.choices, required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="No personal numbers, please")


class FeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    useful = serializers.BooleanField()
    problem = serializers.CharField()
