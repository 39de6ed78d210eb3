"""Issuer record numbers stored encrypted, found by a keyed blind index: every existing row is
converted (encrypted under the final column's context, indexed), then the clear column is dropped."""

from django.db import migrations, models

import identity.fields

CONTEXT = "credentials.credential.issuer_record_id"  # identity.fields.EncryptedTextField's context for the final column
CHUNK = 2000


def seal(apps, schema_editor):
    from identity import crypto

    Credential = apps.get_model("credentials", "Credential")
    rows = Credential.objects.order_by("pk").values_list("pk", "issuer_record_id")
    for pk, record_id in rows.iterator(chunk_size=CHUNK):
        Credential.objects.filter(pk=pk).update(issuer_record_sealed=crypto.encrypt(record_id, context=CONTEXT),
                                                issuer_record_index=crypto.blind_index(record_id, purpose="issuer_record"))


def unseal(apps, schema_editor):
    from identity import crypto

    Credential = apps.get_model("credentials", "Credential")
    for pk, sealed in Credential.objects.order_by("pk").values_list("pk", "issuer_record_sealed").iterator(chunk_size=CHUNK):
        Credential.objects.filter(pk=pk).update(issuer_record_id=crypto.decrypt(bytes(sealed), context=CONTEXT))


class Migration(migrations.Migration):

    dependencies = [
        ("credentials", "0011_signing_key_per_purpose"),
    ]

    operations = [
        migrations.AddField(model_name="credential", name="issuer_record_index", field=models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.AddField(model_name="credential", name="issuer_record_sealed", field=models.BinaryField(editable=False, null=True)),
        migrations.RunPython(seal, unseal),
        migrations.RemoveConstraint(model_name="credential", name="one_credential_per_issuer_record"),
        # a default, so that going back re-adds the clear column before ``unseal`` fills it
        migrations.AlterField(model_name="credential", name="issuer_record_id", field=models.CharField(default="", max_length=128)),
        migrations.RemoveField(model_name="credential", name="issuer_record_id"),
        migrations.RenameField(model_name="credential", old_name="issuer_record_sealed", new_name="issuer_record_id"),
        migrations.AlterField(model_name="credential", name="issuer_record_id", field=identity.fields.EncryptedTextField(verbose_name="发证方记录号")),
        migrations.AddConstraint(model_name="credential", constraint=models.UniqueConstraint(fields=("issuer", "issuer_record_index"),
                                                                                              name="one_credential_per_issuer_record")),
    ]
