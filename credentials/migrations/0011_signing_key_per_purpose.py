"""A key per purpose in the one key ring: existing keys sign credentials (what they signed before);
``manage.py signing_keys ensure`` creates the first key of each other purpose."""

from django.db import migrations, models


def keep_one_active(apps, schema_editor):
    """Going back to one active key: the other purposes' active keys drop to verify-only."""
    SigningKey = apps.get_model("credentials", "SigningKey")
    SigningKey.objects.filter(status="active").exclude(purpose="credentials").update(status="verifying")


class Migration(migrations.Migration):

    dependencies = [
        ('credentials', '0010_relying_party_help'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='signingkey',
            name='one_active_signing_key',
        ),
        migrations.AddField(
            model_name='signingkey',
            name='purpose',
            field=models.CharField(choices=[('credentials', '证照签名'), ('status_lists', '状态列表签名'), ('request_objects', '出示请求签名'), ('access_tokens', '访问令牌签名')], default='credentials', max_length=16, verbose_name='用途'),
        ),
        migrations.AddConstraint(
            model_name='signingkey',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('purpose',), name='one_active_signing_key_per_purpose'),
        ),
        migrations.RunPython(migrations.RunPython.noop, keep_one_active),
    ]
