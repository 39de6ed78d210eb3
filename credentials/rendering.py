"""Pictures: a credential as a card image (Pillow), and QR codes of signed payloads (qrcode).

Cards carry a "for display only" watermark with the time they were drawn, so a saved image is never
taken for the credential itself: only a verified presentation counts.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from core.lazy import LazyModule
from credentials.models import Credential
from identity import masking

if TYPE_CHECKING:
    import qrcode
    import qrcode.image.svg as qrcode_svg
    from PIL import Image, ImageDraw, ImageFont
else:  # imported on the first picture (issue 25): the app draws its QR from the payload, so most workers never need
    # Pillow, qrcode and lxml (qrcode's SVG), ~7 MiB
    qrcode = LazyModule("qrcode")
    qrcode_svg = LazyModule("qrcode.image.svg")
    Image, ImageDraw, ImageFont = LazyModule("PIL.Image"), LazyModule("PIL.ImageDraw"), LazyModule("PIL.ImageFont")

CARD_SIZE = (1000, 630)


@functools.lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    path = settings.QILU_CJK_FONT
    if bold:
        path = path.replace("Regular", "Bold")
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return ImageFont.load_default(size)


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    try:
        return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return (31, 95, 168)


def _seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int, text: str) -> None:
    red = (200, 30, 30, 200)
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=red, width=6)
    star = [
        (x + radius * 0.38 * math.cos(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4),
         y + radius * 0.38 * math.sin(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4))
        for i in range(10)
    ]
    draw.polygon(star, fill=red)
    font = _font(18, bold=True)
    draw.text((x, y + radius * 0.62), text[:10], font=font, fill=red, anchor="mm")


def card_png(credential: Credential, *, now=None) -> bytes:
    """The credential drawn as a card: photo, key fields (ID numbers masked), seal and watermark."""
    now = timezone.localtime(now or timezone.now())
    width, height = CARD_SIZE
    colour = _hex(credential.type.colour)
    card = Image.new("RGBA", CARD_SIZE, (250, 250, 247, 255))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width, 96), fill=colour)
    draw.text((40, 48), credential.type.name, font=_font(40, bold=True), fill="white", anchor="lm")
    draw.text((width - 40, 48), credential.type.department.name, font=_font(22), fill="white", anchor="rm")

    left = 40
    if credential.photo:
        with Image.open(io.BytesIO(base64.b64decode(credential.photo)), formats=["JPEG"]) as photo:
            photo = photo.convert("RGB")
            photo.thumbnail((210, 280))
            card.paste(photo, (40, 130))
        left = 280

    rows = [("持证人", credential.holder_name)]
    fields = credential.fields
    for spec in credential.type.field_schema:
        if spec.get("on_card", True) and spec["key"] in fields:
            value = fields[spec["key"]]
            rows.append((spec["label"], masking.shown(spec.get("type", "text"), value, viewer=masking.Viewer.DISPLAY)))
    rows.append(("有效期至", credential.expires_on.isoformat() if credential.expires_on else "长期"))
    label_font, value_font = _font(22), _font(28)
    y = 130
    for label, value in rows[:9]:
        draw.text((left, y), label, font=label_font, fill=(110, 110, 110))
        draw.text((left + 150, y - 4), str(value)[:28], font=value_font, fill=(20, 20, 20))
        y += 48
    draw.text((40, height - 36), credential.identifier, font=_font(18), fill=(120, 120, 120), anchor="lm")
    _seal(draw, (width - 130, height - 150), 90, credential.type.department.name)

    mark = Image.new("RGBA", CARD_SIZE, (0, 0, 0, 0))
    mark_draw = ImageDraw.Draw(mark)
    text = f"仅供展示 不作核验凭证 {now:%Y-%m-%d %H:%M}"
    for row in range(-2, 8):
        mark_draw.text((row * 60 - 100, row * 110), text, font=_font(26), fill=(120, 120, 120, 70))
    mark = mark.rotate(18, center=(width // 2, height // 2))
    card = Image.alpha_composite(card, mark)
    if credential.effective_status() != Credential.Status.VALID:
        stamp = ImageDraw.Draw(card)
        stamp.text((width // 2, height // 2), credential.get_effective_status_display(), font=_font(96, bold=True), fill=(200, 30, 30, 230), anchor="mm")
    out = io.BytesIO()
    card.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def _qr(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    _qr(payload).make_image().save(out)
    return out.getvalue()


def qr_svg(payload: str) -> str:
    image = _qr(payload).make_image(image_factory=qrcode_svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def qr_png_data_uri(payload: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode()
