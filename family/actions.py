"""The audit actions family acting writes (identity.actions' vocabulary, declared beside their use cases).
An act done for a dependant (an application, a payment, a rating, a 亮证) keeps its own action and
names the guardian as actor and the dependant as subject, with ``detail["family"]``."""

from django.utils.translation import gettext_lazy as _

from identity.actions import declare

FAMILY_REQUESTED = declare("family_requested", _("申请家庭代办关系"))
FAMILY_CONFIRMED = declare("family_confirmed", _("确认家庭代办关系"))
FAMILY_REVOKED = declare("family_revoked", _("解除家庭代办关系"))
FAMILY_VIEWED = declare("family_viewed", _("家人查看代办事项"))
