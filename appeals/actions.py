"""The audit actions cases write (identity.actions' vocabulary, declared here beside their use cases)."""

from django.utils.translation import gettext_lazy as _

from identity.actions import declare

CASE_SUBMITTED = declare("case_submitted", _("提交诉求"))
CASE_STEP = declare("case_step", _("诉求办理"))
CASE_VIEWED = declare("case_viewed", _("查看诉求人信息"))
CASES_IMPORTED = declare("cases_imported", _("导入 12345 工单"))
CASES_CARDED = declare("cases_carded", _("诉求亮黄牌红牌"))
CASES_ANONYMISED = declare("cases_anonymised", _("诉求到期匿名化"))
