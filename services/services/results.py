"""Results: issued into the applicant's wallet by the department's own issuing system, then closed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.usecases import step
from credentials.issuers import internal_issuer
from credentials.services import add_years, credential_issue
from services.models import Application
from services.selectors import holder_of
from services.services import bundles
from services.services.steps import move


@step
def complete(application: Application) -> Application:
    """Issue the result into the wallet (when the item has one) and close the application."""
    version = application.version
    with transaction.atomic():
        if version.result_credential_type_id:
            ctype = version.result_credential_type
            client = internal_issuer(application.department, purpose="results", credential_type=ctype)
            kind, number, name = holder_of(application.applicant, application.organisation)
            data = application.data
            fields = {spec["key"]: data.get(spec["key"], "") for spec in ctype.field_schema}
            fields = {key: value for key, value in fields.items() if value}
            today = timezone.localdate()
            issued = credential_issue(actor=client, data={
                "type": ctype.code, "record_id": application.number, "holder_number": number, "holder_name": name, "fields": fields,
                "issued_on": today, "expires_on": add_years(today, version.result_validity_years) if version.result_validity_years else None,
            })
            Application.objects.filter(pk=application.pk).update(result_credential=issued.credential)
        application = move(application, "complete", actor=None, label=_("System"), comment=_("Result issued to the wallet.")
                            if version.result_credential_type_id else "")
        bundles.advance(application)  # part of a 一件事: the parts that waited for this result start now
    return application
