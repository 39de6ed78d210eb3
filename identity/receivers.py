"""Audit sign-ins, failed sign-ins and sign-outs (failed attempts name the account only by reference), and drop a
user's cached copy whenever the user or their roles change."""

from allauth.account.signals import user_logged_in as allauth_logged_in
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http.response import HttpResponseRedirectBase
from django.utils.translation import gettext as _

from identity import sessions
from identity.auth_backends import user_cache_key
from identity.models import AuditEvent, User, id_number_indexes
from identity.services import audit_record
from identity.sms import sms_send


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if isinstance(user, User):
        audit_record(action=AuditEvent.Action.SIGN_IN, actor=user, subject=user)


@receiver(allauth_logged_in)
def _carry_elder_choice(sender, request, user, response=None, **kwargs):
    """allauth's sign-in (password, code, passkey, after sign-up) hands over its response: the 长辈版
    choice of this device goes with it (identity.views.carry_elder_choice)."""
    if isinstance(user, User) and isinstance(response, HttpResponseRedirectBase):  # the portal's sign-in, not the app's API
        from identity.views import carry_elder_choice

        carry_elder_choice(request, response, user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if isinstance(user, User):
        audit_record(action=AuditEvent.Action.SIGN_OUT, actor=user, subject=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username, phone = credentials.get("username"), credentials.get("phone")
    subject = User.objects.filter(id_number_index__in=id_number_indexes(username)).first() if username else None
    if subject is None and phone:
        from allauth.account.adapter import get_adapter

        subject = get_adapter().get_user_by_phone(phone)
    if subject is not None:
        audit_record(action=AuditEvent.Action.SIGN_IN_FAILED, subject=subject)


@receiver(post_save, sender=Authenticator)
@receiver(post_delete, sender=Authenticator)
def _second_factor_changed(sender, instance, created=False, **kwargs):
    """A passkey, authenticator app or recovery codes added or removed: in the person's own record
    (in the transaction of allauth's write; its own signals fire after commit), and a text to their
    phone, so an enrolment they did not make is noticed (an attacker who knows a password could
    otherwise add their own second factor unseen)."""
    added = kwargs["signal"] is post_save
    if added and not created:
        return  # a recovery code used, a passkey renamed: not a change of factors
    user = instance.user
    audit_record(action=AuditEvent.Action.SECOND_FACTOR_CHANGED, actor=user, subject=user,
                 detail={"type": instance.type, "change": "added" if added else "removed"})
    if user.phone:
        body = (_("【爱山东·齐鲁通】您的账号已添加新的登录验证方式。如非本人操作，请立即修改密码并拨打12345。") if added
                else _("【爱山东·齐鲁通】您的账号已删除一种登录验证方式。如非本人操作，请立即修改密码并拨打12345。"))
        phone = user.phone
        transaction.on_commit(lambda: sms_send(phone=phone, body=body, purpose="security_notice"))


def _forget(user_ids) -> None:
    user_ids = list(user_ids)
    cache.delete_many([user_cache_key(pk) for pk in user_ids])
    sessions.forget_users(user_ids)


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _forget_cached_user(sender, instance, **kwargs):
    _forget([instance.pk])


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def _forget_cached_user_roles(sender, instance, pk_set=None, **kwargs):
    if isinstance(instance, User):
        _forget([instance.pk])
    else:  # a group changed members: drop each member named
        _forget(pk_set or ())


@receiver(m2m_changed, sender=Group.permissions.through)
def _forget_group_members(sender, instance, pk_set=None, **kwargs):
    """A role gained or lost a permission: every member's cached permissions are stale."""
    if isinstance(instance, Group):
        _forget(instance.user_set.values_list("pk", flat=True))
    else:  # a permission was added to or removed from groups
        _forget(User.objects.filter(groups__in=pk_set or ()).values_list("pk", flat=True).distinct())
