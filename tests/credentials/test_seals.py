"""Sealed documents (电子印章): a PDF signed with a department's seal verifies with pyHanko's validator
and, independently, with poppler's ``pdfsig`` trusting the seal root through an NSS store; one byte
changed and both refuse it; a verifier without our root does not trust it; keys are encrypted at rest."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from core.errors import Invalid, Unavailable
from core.usecases import SYSTEM
from credentials import seals, selectors
from credentials.documents import credential_pdf
from credentials.models import SealCertificate
from identity.models import AuditEvent, Department

pytestmark = pytest.mark.django_db

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")


@pytest.fixture
def department(db):
    from identity.demo import credit_code

    department, _ = Department.objects.get_or_create(code="SD-GAT", defaults={"name": "山东省公安厅", "credit_code": credit_code("370000", 11, "1", "1")})
    call_command("seal_authority")
    return department


@pytest.fixture
def sealed(department) -> bytes:
    from core.pdf import render_pdf

    pdf = render_pdf("documents/result_notice.html", {"application": {"item": {"name": "测试事项"}, "department": department},
                                                      "rows": [("办件编号", "QL0001")], "seal_svg": seals.seal_svg(department.name)})
    return seals.seal_pdf(pdf, department=department, reason="测试")


def tampered(pdf: bytes) -> bytes:
    """One byte changed inside the first content stream: the file still parses, its digest no longer matches."""
    at = pdf.index(b"stream\n", len(pdf) // 4) + 40
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def nss_store(tmp_path) -> str:
    """A trust store for pdfsig (NSS) holding only our seal root."""
    store = tmp_path / "nss"
    store.mkdir()
    (tmp_path / "root.pem").write_text(selectors.seal_root_pem())
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{store}", "--empty-password"], check=True, capture_output=True)
    subprocess.run([CERTUTIL, "-A", "-d", f"sql:{store}", "-n", "qilu-seal-root", "-t", "C,C,C", "-i", str(tmp_path / "root.pem")],
                   check=True, capture_output=True)
    return f"sql:{store}"


def pdfsig(pdf: bytes, tmp_path, nssdir: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    run = subprocess.run([PDFSIG, "-nssdir", nssdir, str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def test_pyhanko_finds_the_seal_intact_trusted_and_timestamped(sealed, department):
    [check] = seals.verify_pdf(sealed)
    assert check.valid and check.intact and check.trusted and check.timestamped
    assert "山东省公安厅电子印章" in check.signer and check.signed_at is not None


def test_one_changed_byte_and_pyhanko_refuses_it(sealed):
    [check] = seals.verify_pdf(tampered(sealed))
    assert not check.valid and not check.intact


@pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="make test installs poppler-utils and libnss3-tools")
def test_pdfsig_verifies_the_seal_against_our_root_and_refuses_a_changed_byte(sealed, tmp_path):
    store = nss_store(tmp_path)
    report = pdfsig(sealed, tmp_path, store)
    assert "Signature is Valid." in report, report
    assert "Certificate is Trusted." in report, report
    assert "山东省公安厅电子印章" in report and "Signature Type: ETSI.CAdES.detached" in report, report
    broken = pdfsig(tampered(sealed), tmp_path, store)
    assert "Signature is Valid." not in broken, broken
    assert "Signature is Invalid." in broken or "Digest Mismatch" in broken, broken


def test_a_verifier_without_our_root_does_not_trust_it(sealed, monkeypatch):
    monkeypatch.setattr(selectors, "seal_trust_roots", lambda: [])
    [check] = seals.verify_pdf(sealed)
    assert check.intact and not check.trusted and not check.valid


def test_private_keys_are_encrypted_at_rest_and_each_department_has_one_seal(department):
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM credentials_sealcertificate WHERE private_key IS NOT NULL")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("PRIVATE KEY" in str(value) for value in stored)
    before = AuditEvent.objects.filter(action="seal_changed").count()
    call_command("seal_authority")  # again: nothing new
    assert SealCertificate.objects.filter(kind="seal", department=department).count() == 1
    assert SealCertificate.objects.filter(kind="seal_ca").count() == 1
    # the authority and one seal per department (the finance department comes with payments' reference data)
    assert AuditEvent.objects.filter(action="seal_changed").count() == before == 1 + SealCertificate.objects.filter(kind="seal").count()


def test_a_department_without_a_seal_cannot_seal(db):
    other = Department.objects.create(code="SD-XXX", name="测试厅")
    with pytest.raises(Unavailable) as refused:
        seals.seal_pdf(b"%PDF-1.4", department=other, reason="x")
    assert refused.value.code == "no_seal"


def test_importing_a_seal_checks_that_the_key_belongs_to_the_certificate(department):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    own = SealCertificate.objects.get(kind="seal", department=department)
    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                                       serialization.NoEncryption()).decode()
    with pytest.raises(Invalid):
        seals.seal_import(actor=SYSTEM, department=department, certificate_pem=own.certificate_pem, key_pem=stranger)
    with pytest.raises(Invalid):
        seals.seal_import(actor=SYSTEM, department=department, certificate_pem="not a certificate", key_pem=stranger)
    seals.seal_import(actor=SYSTEM, department=department, certificate_pem=own.certificate_pem, key_pem=own.private_key)
    assert SealCertificate.objects.filter(kind="seal", department=department).count() == 1


def test_a_credential_downloads_as_a_pdf_sealed_by_its_issuing_department(citizen_api, citizen, department):
    from credentials.services import credential_issue
    from tests.factories import CredentialTypeFactory, issuer_client, licence_data

    client, _token = issuer_client(department=department)
    CredentialTypeFactory(code="driving_licence", department=department).issuers.add(client)
    credential = credential_issue(actor=client, data=licence_data(citizen)).credential
    answer = citizen_api.get(f"/api/v1/wallet/{credential.identifier}/document.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    [check] = seals.verify_pdf(answer.content)
    assert check.valid and department.name in check.signer
    assert credential_pdf(credential)[:5] == b"%PDF-"


def test_a_cut_off_image_is_refused_even_after_weasyprint_was_imported(sealed, citizen_api):
    """WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported (the API
    document's code walk imports it too); the upload check must not depend on what ran before."""
    from PIL import ImageFile

    from tests.services.test_lifecycle import _bytes_file, _png_file

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # rendering put it back
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as a fresh import of weasyprint leaves it
    cut = citizen_api.post("/api/v1/uploads/", {"file": _bytes_file(_png_file().getvalue()[:60], "cut.png")}, format="multipart")
    assert cut.status_code == 400


def _suspend(issuer, credential, citizen):
    from credentials.services import credential_set_status

    credential_set_status(actor=issuer, record_id=credential.issuer_record_id, status="suspended", reason="核查")


def _revoke(issuer, credential, citizen):
    from credentials.services import credential_set_status

    credential_set_status(actor=issuer, record_id=credential.issuer_record_id, status="revoked", reason="核查")


def _renew(issuer, credential, citizen):
    import datetime as dt

    from credentials.services import credential_issue
    from tests.factories import licence_data

    credential_issue(actor=issuer, data=licence_data(citizen, record_id="DL-2", issued_on=dt.date(2026, 1, 10)))


@pytest.mark.parametrize(("make_unshowable", "code"), [(_suspend, "credential_suspended"), (_revoke, "credential_revoked"),
                                                      (_renew, "credential_superseded")])
def test_a_credential_that_may_not_be_shown_is_not_sealed_either(make_unshowable, code, citizen_api, citizen, client, department):
    from credentials.services import credential_issue
    from tests.factories import CredentialTypeFactory, issuer_client, licence_data

    issuer, _token = issuer_client(department=department)
    CredentialTypeFactory(code="driving_licence", department=department, single_per_holder=True).issuers.add(issuer)
    credential = credential_issue(actor=issuer, data=licence_data(citizen)).credential
    make_unshowable(issuer, credential, citizen)
    answer = citizen_api.get(f"/api/v1/wallet/{credential.identifier}/document.pdf", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 409 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["code"] == code and "不能出示" in answer.json()["message"]
    client.force_login(citizen)
    page = client.get(f"/wallet/{credential.identifier}/").content.decode()
    assert 'data-testid="sealed-pdf"' not in page


def test_the_api_document_lists_the_refusals_of_the_sealed_pdf():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    conflict = schema["paths"]["/api/v1/wallet/{identifier}/document.pdf"]["get"]["responses"]["409"]
    assert {"`credential_superseded`", "`credential_suspended`", "`credential_revoked`"} <= set(conflict["description"].replace(",", " ").split())
