"""Template context every portal page gets: the header's unread-message badge."""

from __future__ import annotations

from identity.selectors import unread_notice_count


def unread_notices(request) -> dict:
    """``unread_notices``: how many of my notices are unread. A callable the template resolves only
    where it is shown (the header of a signed-in page), counted once per request (one COUNT)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        if not hasattr(request, "_unread_notices"):
            request._unread_notices = unread_notice_count(user)
        return request._unread_notices

    return {"unread_notices": count}
