"""The platform's roles as auth groups, with the permissions each needs in admin and the portal."""

from django.utils.translation import gettext_lazy as _

CITIZEN = "citizen"
CLERK = "clerk"
REVIEWER = "reviewer"
ITEM_ADMIN = "item_admin"
CREDENTIAL_TYPE_ADMIN = "credential_type_admin"
ISSUER = "issuer"
HEALTH_OFFICER = "health_officer"
AUDITOR = "auditor"
CHECKPOINT = "checkpoint"
VENUE_MANAGER = "venue_manager"
DISPATCHER = "dispatcher"

LABELS = {
    CITIZEN: _("群众"),
    CLERK: _("窗口人员"),
    REVIEWER: _("部门审核人员"),
    ITEM_ADMIN: _("事项管理员"),
    CREDENTIAL_TYPE_ADMIN: _("证照类型管理员"),
    ISSUER: _("发证系统"),
    HEALTH_OFFICER: _("卫健人员"),
    AUDITOR: _("审计人员"),
    CHECKPOINT: _("查验人员"),
    VENUE_MANAGER: _("场所管理员"),
    DISPATCHER: _("12345 派单员"),
}

# app_label.codename permissions per role; apps add theirs here as their models arrive.
PERMISSIONS: dict[str, list[str]] = {
    CITIZEN: [],
    CLERK: ["credentials.verify_credential", "services.submit_on_behalf", "appeals.record_case", "family.verify_familylink"],
    REVIEWER: ["services.review_application", "appeals.handle_case"],
    DISPATCHER: ["appeals.dispatch_case", "knowledge.view_article", "knowledge.add_article"],  # 12345 keeps the knowledge base: a good reply becomes a draft
    ITEM_ADMIN: [
        "identity.view_department",
        "identity.add_department",
        "identity.change_department",
        "services.view_serviceitem",
        "services.add_serviceitem",
        "services.change_serviceitem",
        "services.view_itemversion",
        "services.add_itemversion",
        "services.change_itemversion",
        "services.view_material",
        "services.add_material",
        "services.change_material",
        "services.view_region",
        "services.add_region",
        "services.change_region",
        "services.view_category",
        "services.add_category",
        "services.change_category",
        "services.delete_material",
        "services.view_application",
        "services.view_rating",
        "services.view_rectification",
        "services.view_yardsticks",
        "services.view_bundle",
        "services.add_bundle",
        "services.change_bundle",
        "services.view_bundlepart",
        "services.add_bundlepart",
        "services.change_bundlepart",
        "services.delete_bundlepart",
        "services.view_bundleapplication",
        "services.view_calendaroverride",
        "services.add_calendaroverride",
        "services.change_calendaroverride",
        "services.delete_calendaroverride",
        "knowledge.view_article",
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.review_article",
        "knowledge.publish_article",
        "knowledge.view_feedback",
        "knowledge.view_searchindex",
        "appeals.view_casecategory",
        "appeals.add_casecategory",
        "appeals.change_casecategory",
        "appeals.view_routingrule",
        "appeals.add_routingrule",
        "appeals.change_routingrule",
        "appeals.delete_routingrule",
        "appeals.view_deadlinerule",
        "appeals.add_deadlinerule",
        "appeals.change_deadlinerule",
        "benefits.view_policy",  # 免申即享: item admins draft policy versions; a second person (benefits.publish_policyversion) publishes
        "benefits.add_policy",
        "benefits.change_policy",
        "benefits.view_policyversion",
        "benefits.add_policyversion",
        "benefits.view_matchrun",
    ],
    CREDENTIAL_TYPE_ADMIN: [
        "credentials.view_credentialtype",
        "credentials.add_credentialtype",
        "credentials.change_credentialtype",
        "credentials.view_credential",
        "credentials.change_credential",
        "credentials.view_verification",
        "credentials.view_signingkey",
        "credentials.view_relyingparty",
        "credentials.add_relyingparty",
        "credentials.change_relyingparty",
        "credentials.view_presentationrequest",
        "credentials.view_statuslist",
        "identity.view_apiclient",
        "identity.view_department",
    ],
    ISSUER: [],
    HEALTH_OFFICER: [
        "healthcode.view_ruleset",
        "healthcode.add_ruleset",
        "healthcode.change_ruleset",
        "healthcode.view_rule",
        "healthcode.add_rule",
        "healthcode.change_rule",
        "healthcode.view_riskarea",
        "healthcode.add_riskarea",
        "healthcode.change_riskarea",
        "healthcode.view_closecontact",
        "healthcode.add_closecontact",
        "healthcode.change_closecontact",
        "healthcode.view_override",
        "healthcode.add_override",
        "healthcode.change_override",
        "healthcode.view_trustedissuer",
        "healthcode.add_trustedissuer",
        "healthcode.change_trustedissuer",
        "healthcode.view_appeal",
        "healthcode.view_testresult",
        "healthcode.view_vaccination",
        "healthcode.view_stay",
        "healthcode.view_selfdeclaration",
        "healthcode.view_venue",
        "healthcode.view_passcheck",
        "healthcode.view_recomputejob",
        "healthcode.view_dailycount",
        "healthcode.view_healthstatus",
        "healthcode.change_appeal",
        "healthcode.delete_rule",
    ],
    AUDITOR: ["identity.view_auditevent", "identity.view_smsmessage", "credentials.view_verification", "healthcode.view_passcheck",
              "services.view_rating", "services.view_rectification", "services.view_yardsticks", "payments.view_order", "payments.view_paymentevent",
              "payments.view_reconciliation", "appeals.view_case", "benefits.view_entitlement", "benefits.view_payout", "benefits.view_reviewitem"],
    CHECKPOINT: ["healthcode.check_pass"],
    VENUE_MANAGER: ["healthcode.add_venue"],
}


def sync_roles(apps=None) -> None:
    """Create the groups and (re)assign their permissions; safe to run again."""
    from django.contrib.auth.management import create_permissions

    Group = (apps or _global_apps()).get_model("auth", "Group")
    Permission = (apps or _global_apps()).get_model("auth", "Permission")
    if apps is not None:
        for config in apps.get_app_configs():
            config.models_module = True
            create_permissions(config, verbosity=0, apps=apps)
            config.models_module = None
    for role, perms in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def _global_apps():
    from django.apps import apps

    return apps
