"""The audit actions 鲁通码 writes (``identity.actions.declare``)."""

from django.utils.translation import gettext_lazy as _

from identity.actions import declare

CODE_READ = declare("lutong_code_read", _("读取鲁通码"))
SCENARIO_SWITCHED = declare("lutong_scenario_switched", _("鲁通码场景开关"))
READER_CHANGED = declare("lutong_reader_changed", _("鲁通码读码方登记变更"))
