"""Audit sign-ins, failed sign-ins and sign-outs. Failed attempts name the account only by reference."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from identity.models import AuditEvent, User, id_number_index
from identity.services import audit_record


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if isinstance(user, User):
        audit_record(action=AuditEvent.Action.SIGN_IN, actor=user, subject=user, request=request)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if isinstance(user, User):
        audit_record(action=AuditEvent.Action.SIGN_OUT, actor=user, subject=user, request=request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    subject = User.objects.filter(id_number_index=id_number_index(username)).first() if username else None
    if subject is not None:
        audit_record(action=AuditEvent.Action.SIGN_IN_FAILED, subject=subject, request=request)
