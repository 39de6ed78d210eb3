"""Electronic seals (电子印章): documents a department issues are PDF files signed with its seal —
PAdES (ETSI EN 319 142) baseline signatures made with pyHanko, the certificate chain embedded and an
RFC 3161 timestamp — so anyone verifies them with a PDF reader that trusts the province's seal root,
with no Qilu code (the tests use pyHanko's validator and poppler's ``pdfsig``).

Where the keys come from:

- **Production**: the province's seal CA issues each department's seal; ``manage.py seal_import``
  loads a department's certificate, key and chain from files, and ``QILU_SEAL_TRUST_ROOTS`` (a PEM
  file) names the roots verifiers trust. Timestamps come from the RFC 3161 service at
  ``QILU_TSA_URL`` (the province's or a national TSA).
- **Development and tests**: ``manage.py seal_authority`` creates a local hierarchy — a root, a seal CA
  and a timestamp authority (pyHanko's own in-process TSA, signing with a certificate from that
  root) — and a seal for every department that has none.

Private keys are stored encrypted under ``QILU_MASTER_KEY`` like every other secret.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid, Unavailable
from core.usecases import SystemActor, pure, unchanged, use_case
from credentials import selectors
from credentials.models import SealCertificate
from identity.models import AuditEvent, Department, User
from identity.services import audit_record

Kind = SealCertificate.Kind
ROOT_YEARS, CA_YEARS, SEAL_YEARS = 20, 10, 3
PERMISSION = "credentials.add_sealcertificate"


def _may_manage(actor: User | SystemActor) -> None:
    if not actor.has_perm(PERMISSION):
        raise Forbidden(_("You may not do this."), code="permission_denied")


def _audit(actor, **detail) -> None:
    person = actor if getattr(actor, "pk", None) else None
    audit_record(action=AuditEvent.Action.SEAL_CHANGED, actor=person, actor_description="" if person else _("System"), detail=detail)


def _name(common_name: str, organisation: str, serial: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if serial:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attributes)


def _certificate(subject: x509.Name, key, *, issuer: x509.Certificate | None, issuer_key, years: int, ca: bool, path_length: int | None = None,
                 time_stamping: bool = False) -> x509.Certificate:
    now = timezone.now()
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.subject if issuer else subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer is not None:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
    usage = dict(digital_signature=not ca, content_commitment=not ca and not time_stamping, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False)
    builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
    if time_stamping:  # RFC 3161 §2.3: the TSA's certificate has exactly this purpose, critical
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key if issuer is not None else key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _store(kind: str, certificate: x509.Certificate, key=None, department: Department | None = None) -> SealCertificate:
    return SealCertificate.objects.create(
        kind=kind, department=department, subject=certificate.subject.rfc4514_string(), certificate_pem=_pem(certificate),
        private_key=_key_pem(key) if key is not None else None, not_after=certificate.not_valid_after_utc)


def _loaded(row: SealCertificate):
    certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    key = serialization.load_pem_private_key(row.private_key.encode(), password=None) if row.private_key else None
    return certificate, key


@use_case(audit=AuditEvent.Action.SEAL_CHANGED)
def authority_create(*, actor: User | SystemActor) -> SealCertificate:
    """A local root, seal CA and timestamp authority, for development and tests (once)."""
    _may_manage(actor)
    existing = SealCertificate.objects.filter(kind=Kind.SEAL_CA).first()
    if existing is not None:
        unchanged()
        return existing
    organisation = "齐鲁通（开发环境）"
    root_key, ca_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's local TSA signs with RSA only
    root = _certificate(_name("齐鲁通电子印章根CA（开发）", organisation), root_key, issuer=None, issuer_key=None, years=ROOT_YEARS, ca=True)
    seal_ca = _certificate(_name("齐鲁通电子印章CA（开发）", organisation), ca_key, issuer=root, issuer_key=root_key, years=CA_YEARS, ca=True,
                           path_length=0)
    tsa = _certificate(_name("齐鲁通时间戳服务（开发）", organisation), tsa_key, issuer=root, issuer_key=root_key, years=CA_YEARS, ca=False,
                       time_stamping=True)
    _store(Kind.ROOT, root)  # the root's key is not kept: nothing more is issued from it here
    row = _store(Kind.SEAL_CA, seal_ca, ca_key)
    _store(Kind.TSA, tsa, tsa_key)
    _audit(actor, step="authority_created")
    return row


@use_case(audit=AuditEvent.Action.SEAL_CHANGED)
def seal_issue(*, actor: User | SystemActor, department: Department) -> SealCertificate:
    """A seal for ``department`` from the local seal CA (development and tests), once."""
    _may_manage(actor)
    existing = SealCertificate.objects.filter(kind=Kind.SEAL, department=department).first()
    if existing is not None:
        unchanged()
        return existing
    ca_row = SealCertificate.objects.filter(kind=Kind.SEAL_CA).filter(private_key__isnull=False).first()
    if ca_row is None:
        raise Conflict(_("There is no seal authority here: run manage.py seal_authority, or import the department's seal."), code="no_seal_authority")
    ca, ca_key = _loaded(ca_row)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name(f"{department.name}电子印章", department.name, department.credit_code or department.code), key,
                               issuer=ca, issuer_key=ca_key, years=SEAL_YEARS, ca=False)
    row = _store(Kind.SEAL, certificate, key, department)
    _audit(actor, step="seal_issued", department=department.code)
    return row


@use_case(audit=AuditEvent.Action.SEAL_CHANGED)
def seal_import(*, actor: User | SystemActor, department: Department, certificate_pem: str, key_pem: str, chain_pem: str = "") -> SealCertificate:
    """Production: a department's seal as the province's seal CA issued it, with the CA certificates
    above it; replaces the department's previous seal (documents it sealed stay valid)."""
    _may_manage(actor)
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem.strip() else []
    except ValueError:
        raise Invalid(_("The certificate or key could not be read (PEM expected)."), code="invalid_seal") from None
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise Invalid(_("The key does not belong to the certificate."), code="invalid_seal")
    SealCertificate.objects.filter(kind=Kind.SEAL, department=department).delete()
    row = _store(Kind.SEAL, certificate, key, department)
    for authority in chain:
        kind = Kind.ROOT if authority.subject == authority.issuer else Kind.SEAL_CA
        pem = _pem(authority)
        if not SealCertificate.objects.filter(certificate_pem=pem).exists():
            if kind == Kind.SEAL_CA:
                SealCertificate.objects.filter(kind=Kind.SEAL_CA).delete()
            _store(kind, authority)
    _audit(actor, step="seal_imported", department=department.code)
    return row


def _asn1(certificate_pem: str):
    """The certificate as pyHanko takes it (asn1crypto: like pyHanko, loaded only when a PDF is sealed)."""
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(serialization.Encoding.DER))


def _timestamper(chain):
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if getattr(settings, "QILU_TSA_URL", ""):
        return HTTPTimeStamper(settings.QILU_TSA_URL)
    tsa_row = SealCertificate.objects.filter(kind=Kind.TSA).filter(private_key__isnull=False).first()
    if tsa_row is None:
        raise Unavailable(_("No timestamp authority is configured (QILU_TSA_URL)."), code="no_timestamp_authority")
    certificate, key = _loaded(tsa_row)
    return DummyTimeStamper(tsa_cert=_asn1(tsa_row.certificate_pem),
                            tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                                                    serialization.NoEncryption())),
                            certs_to_embed=SimpleCertificateStore.from_certs(chain))


@pure
def seal_pdf(pdf: bytes, *, department: Department, reason: str, location: str = "山东省") -> bytes:
    """``pdf`` signed with ``department``'s seal: PAdES baseline (B-T: a signature timestamp), the
    chain embedded. Refused when the department has no seal."""
    from asn1crypto import keys as asn1_keys
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    row = SealCertificate.objects.filter(kind=Kind.SEAL, department=department).filter(private_key__isnull=False).first()
    if row is None:
        raise Unavailable(_("%(department)s has no electronic seal yet.") % {"department": department.name}, code="no_seal")
    _certificate_, key = _loaded(row)
    chain = [_asn1(r.certificate_pem) for r in SealCertificate.objects.filter(kind__in=[Kind.SEAL_CA, Kind.ROOT])]
    signer = signers.SimpleSigner(
        signing_cert=_asn1(row.certificate_pem),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                                    serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(chain))
    metadata = signers.PdfSignatureMetadata(field_name="Seal", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
                                            reason=reason, location=location, name=department.name)
    out = signers.PdfSigner(metadata, signer=signer, timestamper=_timestamper(chain)).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue()


@dataclass(frozen=True)
class SealCheck:
    valid: bool  # intact, the signature verifies, and the seal chains to a trusted root
    intact: bool
    trusted: bool
    signer: str
    signed_at: dt.datetime | None
    timestamped: bool


@pure
def verify_pdf(pdf: bytes) -> list[SealCheck]:
    """Every seal in ``pdf``, checked against ``selectors.seal_trust_roots()`` (no network)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    checks = []
    for signature in reader.embedded_signatures:
        context = ValidationContext(trust_roots=selectors.seal_trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(signature, context)
        timestamp = status.timestamp_validity
        checks.append(SealCheck(valid=bool(status.bottom_line), intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
                                signer=status.signing_cert.subject.human_friendly,
                                signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
                                timestamped=timestamp is not None and bool(timestamp.valid and timestamp.intact)))
    return checks


@pure
def seal_svg(name: str, size: int = 160) -> str:
    """The printed image of a seal (红色圆形公章): a red ring, a star, the department's name set
    around the upper arc and 电子印章 below — an SVG drawn here, one glyph per position (no text on a
    path, which not every renderer supports)."""
    import math
    from html import escape

    centre, radius = size / 2, size / 2 - 4
    text_radius, glyph = radius - 18, max(12, min(20, int(300 / max(len(name), 1))))
    spread = min(250.0, 32.0 * len(name))  # degrees of the arc the name takes
    glyphs = []
    for index, char in enumerate(name):
        angle = -90 - spread / 2 + (spread * (index + 0.5) / len(name))
        x, y = centre + text_radius * math.cos(math.radians(angle)), centre + text_radius * math.sin(math.radians(angle))
        glyphs.append(f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({angle + 90:.1f} {x:.1f} {y:.1f})" font-size="{glyph}" '
                      f'text-anchor="middle" dominant-baseline="central">{escape(char)}</text>')
    star = " ".join(f"{centre + (26 if i % 2 == 0 else 10) * math.cos(math.radians(-90 + 36 * i)):.1f},"
                    f"{centre + (26 if i % 2 == 0 else 10) * math.sin(math.radians(-90 + 36 * i)):.1f}" for i in range(10))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img" '
            f'aria-label="{escape(name)}电子印章"><g fill="#d40000" stroke="none" font-family="Noto Serif CJK SC, Noto Sans CJK SC, serif" '
            f'font-weight="bold"><circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="#d40000" stroke-width="5"/>'
            f'<polygon points="{star}"/>{"".join(glyphs)}<text x="{centre}" y="{centre + 46}" font-size="13" text-anchor="middle">电子印章</text></g></svg>')
