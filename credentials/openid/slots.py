"""Status slots: each SD-JWT VC copy handed to a device takes one slot of a Token Status List
(``credentials.openid.statuslist`` is the format), at a random free index of the open list; a change
of a credential's status moves the version of every list holding one of its copies, after commit, so
the published list is rebuilt on its next fetch."""

from __future__ import annotations

import secrets
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from core.usecases import step
from credentials.models import Credential, StatusList, StatusSlot
from credentials.openid.statuslist import version_key

_TRIES = 32


class ListFull(RuntimeError):
    pass


def _open_list() -> StatusList:
    open_one = (StatusList.objects.select_for_update().filter(allocated__lt=F("size") * StatusList.FILL).order_by("-id").first())
    return open_one or StatusList.objects.create()


@step
def allocate(*, credential: Credential, holder_key: str) -> StatusSlot:
    """A random free slot of the open list for one copy (inside the caller's transaction)."""
    status_list = _open_list()
    for _attempt in range(_TRIES):
        index = secrets.randbelow(status_list.size)
        try:
            with transaction.atomic():
                slot = StatusSlot.objects.create(status_list=status_list, index=index, credential=credential,
                                                 revision=credential.revision, holder_key=holder_key)
        except IntegrityError:
            continue  # taken: at most half the list is, so a few draws find a free one
        StatusList.objects.filter(pk=status_list.pk).update(allocated=F("allocated") + 1)
        return slot
    raise ListFull(status_list.pk)


@step
def changed(credential: Credential) -> None:
    """After commit, every list holding a copy of ``credential`` is rebuilt on its next fetch."""
    lists = set(StatusSlot.objects.filter(credential=credential).values_list("status_list_id", flat=True))

    def bump():
        for list_id in lists:
            cache.set(version_key(list_id), time.time_ns(), timeout=None)

    if lists:
        transaction.on_commit(bump)
