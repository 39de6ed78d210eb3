"""Signing keys through the crypto provider (issue 26): an active key per purpose *and algorithm*
(ES256, and SM2 for co-signatures), and private keys stored as the provider's handle
(``software:<base64 of PKCS#8 DER>``) instead of joserfc's PKCS#8 PEM. The PEM's DER is the software
provider's handle, so old keys keep signing and verifying unchanged; ``credentials.signing.handle_of``
still reads PEM for rows written by an older process during a rolling deploy."""

import base64

from django.db import migrations, models


def to_handles(apps, schema_editor):
    SigningKey = apps.get_model("credentials", "SigningKey")
    for key in SigningKey.objects.iterator():
        stored = key.private_key
        if stored.startswith("-----BEGIN PRIVATE KEY-----"):
            body = "".join(line for line in stored.strip().splitlines() if not line.startswith("-----"))
            key.private_key = "software:" + body
            key.save(update_fields=["private_key"])


def to_pem(apps, schema_editor):
    SigningKey = apps.get_model("credentials", "SigningKey")
    for key in SigningKey.objects.filter(algorithm="ES256").iterator():
        if not key.private_key.startswith("software:"):
            continue
        body = key.private_key.partition(":")[2]
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        key.private_key = "\n".join(["-----BEGIN PRIVATE KEY-----", *lines, "-----END PRIVATE KEY-----", ""])
        key.save(update_fields=["private_key"])
    SigningKey.objects.exclude(algorithm="ES256").update(status="retired")  # an older release signs with ES256 only


class Migration(migrations.Migration):

    dependencies = [
        ('credentials', '0012_issuer_record_encrypted'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='signingkey',
            name='one_active_signing_key_per_purpose',
        ),
        migrations.AddConstraint(
            model_name='signingkey',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('purpose', 'algorithm'),
                                               name='one_active_signing_key_per_purpose_and_algorithm'),
        ),
        migrations.RunPython(to_handles, to_pem),
    ]
