"""Re-encrypt everything at rest into the suite being written (``QILU_AT_REST_SUITE``): resumable, idempotent.

    manage.py reencrypt_at_rest [--batch 500] [--checkpoint var/reencrypt-at-rest.json] [--restart]

Sources, in order: every encrypted column, the second-factor secrets, the uploaded files. After each
batch (one transaction) the last key done is written to the checkpoint file, so a stopped run goes on
where it stopped; a value already in the target version is never touched, so a repeated run changes
nothing. Both versions stay readable throughout: the site keeps serving.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from identity import at_rest, crypto
from services.at_rest import upload_files_reencrypt


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--checkpoint", type=Path, default=Path(settings.BASE_DIR) / "var" / "reencrypt-at-rest.json")
        parser.add_argument("--restart", action="store_true", help="ignore the checkpoint and walk everything again")

    def handle(self, *args, batch, checkpoint, restart, **options):
        version = crypto.write_version()
        mark = at_rest.Checkpoint(checkpoint)
        if restart:
            mark.done = {}
        runs = [(model._meta.label, lambda after, m=model, f=fields: at_rest.reencrypt_model(m, f, version=version, after=after, batch=batch))
                for model, fields in at_rest.encrypted_columns()]
        runs.append(("mfa.secrets", lambda after: at_rest.reencrypt_second_factor_secrets(version=version, after=after, batch=batch)))
        runs.append(("services.upload.files", lambda after: upload_files_reencrypt(version=version, after=after, batch=batch)))
        started, total = time.monotonic(), 0
        for source, run in runs:
            progress = None
            for progress in run(mark.get(source)):
                mark.save(progress)
            if progress is not None:
                total += progress.seen
                self.stdout.write(f"{source}: {progress.seen} looked at, {progress.changed} re-encrypted")
        elapsed = time.monotonic() - started
        self.stdout.write(f"done: version {version} everywhere; {total} rows in {elapsed:.1f} s")
