"""Uploaded files re-encrypted into the format version being written (``manage.py reencrypt_at_rest``;
identity/at_rest.py does the encrypted columns). The same bytes under another cipher: no use case, no
audit event, as for the columns."""

from __future__ import annotations

from identity.at_rest import Progress, rewrap
from services.models import Upload
from services.services.uploads import FILE_KEY, _upload_path


def upload_files_reencrypt(*, version: int, after=None, batch: int = 200):
    """Every stored file re-encrypted in format ``version`` (``manage.py reencrypt_at_rest``), in id order;
    a file in that version already, or stored before encryption, is left as it is. Yields progress."""
    progress = Progress("services.upload.files", last=after)
    while True:
        uploads = list(Upload.objects.filter(**({"pk__gt": progress.last} if progress.last else {})).order_by("pk")[:batch])
        for upload in uploads:
            path = _upload_path(upload)
            blob = path.read_bytes() if path.exists() else b""
            if not blob or blob.startswith((b"%PDF-", b"\x89PNG", b"\xff\xd8\xff")):
                continue
            new = rewrap(blob, context=f"upload:{upload.id}", purpose=FILE_KEY, version=version)
            if new is not None:
                tmp = path.with_suffix(".reencrypting")
                tmp.write_bytes(new)
                tmp.replace(path)  # atomic: a reader sees the old file or the new one
                progress.changed += 1
        if not uploads:
            return
        progress.seen += len(uploads)
        progress.last = str(uploads[-1].pk)
        yield progress
