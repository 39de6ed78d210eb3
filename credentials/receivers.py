"""Cache invalidation for the public credential types and for codes already shown (a saved credential is
read afresh at their scan: ``credentials.shown``) — infrastructure only, no business rule here —
and the e-ID card on real-name sign-up (identity sends the signal; credentials acts after commit)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.outbox import enqueue_on_commit
from credentials import held, shown
from credentials.models import Credential, CredentialType, RelyingParty, SigningKey
from credentials.selectors import CREDENTIAL_TYPES, RELYING_PARTIES
from credentials.signals import holders_written
from identity.models import ApiClient, Department
from identity.signals import registration_completed

CREDENTIAL_TYPES.watch(CredentialType, Department, ApiClient, through=(CredentialType.issuers.through,))
RELYING_PARTIES.watch(RelyingParty, CredentialType, SigningKey)  # the register names the request-object keys


@receiver(registration_completed, dispatch_uid="credentials.id_card_on_sign_up")
def _id_card_on_sign_up(sender, user, **kwargs):
    """A resident who completes real-name sign-up gets the 居民身份证 e-credential at once (as 爱山东
    does): issued by the public security issuer's system through the ordinary issuance use case."""
    enqueue_on_commit("credentials.id_card_issue_on_sign_up", user.pk)


@receiver(holders_written, sender=Credential, dispatch_uid="credentials.holders_written")
def _holders_written(sender, indexes, using="default", **kwargs):
    held.changed(indexes, using=using)  # a queryset's bulk write: their mirrored stamps (credentials.held)


@receiver(post_save, sender=Credential, dispatch_uid="credentials.changed_since_shown")
@receiver(post_delete, sender=Credential, dispatch_uid="credentials.deleted_since_shown")
def _changed_since_shown(sender, instance, created=False, using="default", **kwargs):
    held.changed({instance.holder_index, getattr(instance, "held_by", None)}, using=using)  # the holder's cached copy (and the one it left)
    if not created:  # a new credential has no code on a screen yet
        shown.mark_changed(instance.pk)
