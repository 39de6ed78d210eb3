"""Credential-type admins read checks and presentation requests in words: a verdict's reason is shown
and filtered by what it means (已被新证替代), never by its code (credential_superseded)."""

import datetime as dt

from django.utils import timezone

from credentials.models import PresentationRequest, Verification
from tests.factories import RelyingPartyFactory, UserFactory, sign_in_with_second_factor


def test_reasons_are_words_in_the_check_and_request_lists(client, clerk, licence, driving_type):
    Verification.objects.create(credential=licence, verifier=clerk, valid=False, reason="credential_revoked")
    PresentationRequest.objects.create(relying_party=RelyingPartyFactory(), credential_type=driving_type, nonce="n", state="s",
                                       status="refused", reason="key_binding_missing", expires_at=timezone.now() + dt.timedelta(minutes=5))
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))

    checks = client.get("/admin/credentials/verification/").content.decode()
    requests = client.get("/admin/credentials/presentationrequest/").content.decode()
    assert "证照已注销" in checks and "credential_revoked" not in checks.replace("?reason=credential_revoked", "")
    assert "缺少持有人设备签名" in requests and "key_binding_missing" not in requests.replace("?reason=key_binding_missing", "")
    filtered = client.get("/admin/credentials/verification/?reason=credential_revoked").content.decode()
    assert "证照已注销" in filtered
