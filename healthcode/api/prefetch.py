"""What my pass reads first, named for the session's round trip (``identity.prefetch``): my status
(``healthcode.statuses.status_for`` takes it). A dependant's pass (``?dependant=``) reads theirs itself."""

from __future__ import annotations

from healthcode import status_cache
from identity import prefetch

_MINE = prefetch.Want(person=(status_cache.key,))


def my_pass(request) -> prefetch.Want | None:
    return None if request.GET.get("dependant") else _MINE
