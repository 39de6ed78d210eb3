"""HTML templates to PDF with WeasyPrint: documents are written as Django templates (CJK text set in
the Noto CJK fonts the machines carry, no network fetches) and rendered to PDF/A-friendly files that
the seal module then signs."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML

    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES = True when imported, which would make
    # every later image check in the process accept a cut-off file (services/services/uploads.py).
    # Our documents embed no raster images; put the flag back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    html = render_to_string(template, context)

    def no_network(url: str, *args, **kwargs):
        raise ValueError(f"documents load nothing from the network: {url}")

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=no_network).write_pdf()
