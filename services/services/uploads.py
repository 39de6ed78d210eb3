"""Uploads: judged by content, not name; size checked before decoding; stored under generated names."""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.usecases import use_case
from identity import crypto, masking
from identity.models import AuditEvent, User
from identity.services import audit_record
from services.models import Upload

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


MAX_IMAGE_PIXELS = 40_000_000
MAX_PDF_PAGES = 200
FILE_KEY = "file-encryption/v1"  # its own key, derived from the master key like the field key


def _upload_path(upload: Upload) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / upload.id.hex[:2] / upload.id.hex


@use_case(audit=AuditEvent.Action.UPLOAD_STORED)
def upload_store(*, actor: User, name: str, content: bytes) -> Upload:
    """Accept an image (PNG, JPEG) or a PDF, judged by its content, not its name. Size is checked
    before anything is decoded; images are fully decoded under a pixel limit (decompression bombs
    fail); files are stored under a generated name."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
    if content.startswith(b"%PDF-"):
        _check_pdf(content)
        content_type = "application/pdf"
    elif content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        from PIL import Image, ImageFile  # on the first image: not in every web worker (issue 25)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content), formats=["PNG", "JPEG"]) as image:
                    if image.width * image.height > MAX_IMAGE_PIXELS:
                        raise ValidationError({"file": [_("The image has too many pixels.")]})
                    # a process-wide Pillow switch that WeasyPrint turns on when imported (even by the API
                    # document's code walk): a cut-off image must fail to load here, whatever ran before
                    ImageFile.LOAD_TRUNCATED_IMAGES = False
                    image.load()
                    content_type = Image.MIME[image.format]
        except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning, SyntaxError):
            raise ValidationError({"file": [_("The image cannot be read.")]}) from None
    else:
        raise ValidationError({"file": [_("Upload a PDF, PNG or JPEG file.")]})
    upload = Upload(owner=actor, original_name=Path(name or "file").name[:255], content_type=content_type, size=len(content),
                    sha256=hashlib.sha256(content).hexdigest())
    path = _upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.save()
    path.write_bytes(crypto.encrypt_bytes(content, context=f"upload:{upload.id}", purpose=FILE_KEY))
    audit_record(action=AuditEvent.Action.UPLOAD_STORED, actor=actor, subject=actor, detail={"upload": str(upload.id), "type": content_type})
    return upload


@use_case(audit=AuditEvent.Action.MATERIAL_DOWNLOADED)
def upload_open(*, actor: User, upload: Upload) -> bytes:
    """The file's bytes, to its owner or a reviewer of an application it is attached to (the caller
    found it through ``selectors.upload_for``); every opening is recorded for the owner to see."""
    audit_record(action=AuditEvent.Action.MATERIAL_DOWNLOADED, actor=actor, subject=upload.owner,
                 actor_description=f"{actor.department or ''} {masking.staff_name(actor)}".strip() if actor.pk != upload.owner_id else "",
                 detail={"upload": str(upload.id), "name": upload.original_name})
    return _read_content(upload)


def _read_content(upload: Upload) -> bytes:
    """The decrypted file. Files stored before encryption (they start with their own magic bytes,
    never the ciphertext version byte) are read as they are."""
    blob = _upload_path(upload).read_bytes()
    if blob.startswith((b"%PDF-", b"\x89PNG", b"\xff\xd8\xff")):
        return blob
    return crypto.decrypt_bytes(blob, context=f"upload:{upload.id}", purpose=FILE_KEY)


def _check_pdf(content: bytes) -> None:
    """Parsed for real (pypdf, strict): a file that merely starts with ``%PDF-`` is refused, and so
    is one with more pages than any application material needs."""
    from pypdf import PdfReader  # ~27 MiB: imported by the process that reads an upload, not by every web worker

    try:
        reader = PdfReader(io.BytesIO(content), strict=True)
        pages = len(reader.pages)
    except Exception:  # noqa: BLE001 — pypdf raises many kinds for a broken file; each means "not a PDF we accept"
        raise ValidationError({"file": [_("The PDF is damaged or incomplete.")]}) from None
    if not 1 <= pages <= MAX_PDF_PAGES:
        raise ValidationError({"file": [_("The PDF must have between 1 and %(n)d pages.") % {"n": MAX_PDF_PAGES}]})
