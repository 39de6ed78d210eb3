"""家庭代办 writes: a guardian asks, the adult (or, for a minor, a clerk who saw the 户口簿) confirms,
either side revokes. Every step audited for both people (the guardian as actor, the dependant as
subject: it shows in the dependant's "who used my data") and told to the other side."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import people, quotas, ratelimits
from core.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from core.numbers import validate_id_number
from core.usecases import use_case
from family import actions, permissions
from family.models import ACTS, FamilyLink
from identity import crypto, masking
from identity.models import PopulationRecord, User, id_number_indexes
from identity.notices import words
from identity.selectors import real_name_matches
from identity.services import audit_record, notice_send

MAX_DAYS = 365  # an adult's authorisation lasts at most a year; they may renew it
CODE_SECONDS = 10 * 60
CODE_MAX_TRIES = 3


def _code_digest(link: FamilyLink, code: str) -> str:
    return crypto.mac_hex("family-confirm-code/v1", f"{link.pk}:{code}")


def _detail(link: FamilyLink, **more) -> dict:
    return {"family": link.relation, "kind": link.kind, **more}


def _dependant(id_number: str, name: str) -> tuple[User, PopulationRecord]:
    try:
        number = validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    if not real_name_matches(id_number=number, name=name):
        raise Invalid(_("The name and ID number do not match our records."), code="real_name_mismatch")
    record = PopulationRecord.objects.get(id_number_index__in=id_number_indexes(number))
    user = User.objects.filter(id_number_index__in=id_number_indexes(number), is_active=True).first()
    if user is None:
        raise Conflict(_("这位家人还没有账号：请先帮其注册（未成年人可在窗口办理）。"), code="family_no_account")
    return user, record


@use_case(audit=actions.FAMILY_REQUESTED)
def family_link_request(*, actor: User, id_number: str, name: str, relation: str, days: int = MAX_DAYS,
                        acts: list[str] | None = None) -> FamilyLink:
    """The guardian (the actor) asks to act for a family member named by ID number and name (checked
    against the population base). A minor: the parent–child relationship is declared here and checked
    by a clerk (the base carries no parents). An adult: they confirm in their app, or read the SMS
    code we text them to the guardian; until then the link lets nobody act."""
    quotas.take("family_requests", actor.pk)  # each request may text the adult: not a way to flood their phone
    dependant, record = _dependant(id_number, name)
    if dependant.pk == actor.pk:
        raise ValidationError({"id_number": [_("This is your own number.")]})
    relation = (relation or "").strip()[:32]
    if not relation:
        raise ValidationError({"relation": [_("请填写与TA的关系。")]})
    minor = people.is_minor(record.birth_date, timezone.localdate())
    chosen = list(ACTS) if minor or not acts else [act for act in ACTS if act in set(acts)]
    if not chosen:
        raise ValidationError({"acts": [_("请至少选择一项代办范围。")]})
    if not minor and not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError({"days": [_("授权期限为 1 至 365 天。")]})
    try:
        with transaction.atomic():  # one open link per pair (the constraint): a second request, even at the same moment, is told
            link = FamilyLink.objects.create(
                guardian=actor, dependant=dependant, kind=FamilyLink.Kind.MINOR if minor else FamilyLink.Kind.ADULT, relation=relation,
                dependant_born=record.birth_date, acts=chosen, valid_until=None if minor else timezone.now() + dt.timedelta(days=int(days)),
            )
    except IntegrityError:
        raise Conflict(_("你已添加过这位家人。"), code="family_already_linked") from None
    audit_record(action=actions.FAMILY_REQUESTED, actor=actor, subject=dependant, detail=_detail(link, acts=chosen))
    if not minor:
        _ask_adult(link)
    return link


def _ask_adult(link: FamilyLink) -> None:
    """The adult is asked in their inbox, and texted a code they may read out to the guardian instead."""
    guardian = masking.shown("name", link.guardian.name, viewer=masking.Viewer.DISPLAY)
    notice_send(user=link.dependant, kind="family", url="/family/",
                title=words(gettext_lazy("%(name)s 申请为你代办事项，请确认或拒绝"), name=guardian))
    if link.dependant.phone and link.dependant.phone_verified:
        from identity.sms import sms_send

        code = f"{secrets.randbelow(10**6):06d}"
        link.code_digest, link.code_expires_at = _code_digest(link, code), timezone.now() + dt.timedelta(seconds=CODE_SECONDS)
        link.save(update_fields=["code_digest", "code_expires_at"])
        body = _("【爱山东·齐鲁通】%(name)s 申请为你办理事项（家庭代办），同意请将验证码 %(code)s 告诉TA，%(minutes)d分钟内有效。不同意请勿告知。") % {
            "name": guardian, "code": code, "minutes": CODE_SECONDS // 60}
        phone = link.dependant.phone
        transaction.on_commit(lambda: sms_send(phone=phone, body=body, purpose="family_confirm"))


def _activate(link: FamilyLink, *, by: User, channel: str) -> FamilyLink:
    link.status, link.confirmed_at, link.confirmed_by, link.channel = FamilyLink.Status.ACTIVE, timezone.now(), by, channel
    link.code_digest, link.code_expires_at = "", None
    link.save(update_fields=["status", "confirmed_at", "confirmed_by", "channel", "code_digest", "code_expires_at"])
    audit_record(action=actions.FAMILY_CONFIRMED, actor=by, subject=link.dependant, detail=_detail(link, channel=channel))
    return link


def _pending(link: FamilyLink, kind: str) -> None:
    if link.kind != kind:
        raise NotFound()
    if link.status != FamilyLink.Status.PENDING:
        raise Conflict(_("这项代办关系已不在待确认状态。"), code="family_not_pending")


@use_case(audit=actions.FAMILY_CONFIRMED)
def family_link_confirm(*, actor: User, link: FamilyLink) -> FamilyLink:
    """The adult (the actor, and only they) agrees in their app."""
    if link.dependant_id != actor.pk:
        raise NotFound()
    _pending(link, FamilyLink.Kind.ADULT)
    _activate(link, by=actor, channel=FamilyLink.Channel.APP)
    notice_send(user=link.guardian, kind="family", url="/family/", title=words(gettext_lazy("家人已同意你为其代办事项")))
    return link


@use_case(audit=actions.FAMILY_CONFIRMED)
def family_link_confirm_code(*, actor: User, link: FamilyLink, code: str) -> FamilyLink:
    """The guardian (the actor) enters the code the adult read out to them: the adult's consent by SMS.
    Three wrong codes burn it (the adult can still confirm in the app)."""
    if link.guardian_id != actor.pk:
        raise NotFound()
    _pending(link, FamilyLink.Kind.ADULT)
    wrong = Invalid(_("验证码错误或已过期。"), code="invalid_code", errors={"code": [_("验证码错误或已过期。")]})
    try:  # counted outside the transaction (a refusal rolls it back), before the code is compared
        tries = ratelimits.count(f"family.code.{link.pk}.tries", CODE_SECONDS)
    except ratelimits.Unavailable:
        raise Unavailable(_("暂时无法核对验证码，请稍后再试。"), code="codes_unavailable") from None
    if tries > CODE_MAX_TRIES or not link.code_digest or link.code_expires_at is None or link.code_expires_at <= timezone.now():
        raise wrong
    if not hmac.compare_digest(link.code_digest, _code_digest(link, (code or "").strip())):
        raise wrong
    _activate(link, by=link.dependant, channel=FamilyLink.Channel.SMS)
    notice_send(user=link.dependant, kind="family", url="/family/", title=words(gettext_lazy("你已通过短信验证码同意家人为你代办事项")), read=True)
    return link


@use_case(audit=actions.FAMILY_CONFIRMED)
def family_link_verify(*, actor: User, link: FamilyLink) -> FamilyLink:
    """A window clerk (the actor) has seen the 户口簿 or 出生医学证明 and confirms a parent's declared
    relationship with a minor."""
    if not permissions.may_verify(actor):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    _pending(link, FamilyLink.Kind.MINOR)
    _activate(link, by=actor, channel=FamilyLink.Channel.CLERK)
    notice_send(user=link.guardian, kind="family", url="/family/", title=words(gettext_lazy("你与子女的代办关系已核验通过")))
    return link


@use_case(audit=actions.FAMILY_VIEWED)
def family_data_viewed(*, actor: User, dependant: User, act: str, what: str) -> None:
    """A guardian opened a page of the dependant's data (an application, the health pass): recorded
    for the dependant's "who used my data", as every other act is."""
    link = permissions.require(actor=actor, dependant=dependant, act=act)
    audit_record(action=actions.FAMILY_VIEWED, actor=actor, subject=dependant,
                 actor_description=_("家人 %(name)s（代办）") % {"name": masking.shown("name", actor.name, viewer=masking.Viewer.DISPLAY)},
                 detail=_detail(link, viewed=what[:64]))


@use_case(audit=actions.FAMILY_REVOKED)
def family_link_revoke(*, actor: User, link: FamilyLink) -> FamilyLink:
    """Either side ends the link (or refuses a pending one); the other is told."""
    if actor.pk not in (link.guardian_id, link.dependant_id):
        raise NotFound()
    if link.status == FamilyLink.Status.REVOKED:
        from core.usecases import unchanged

        unchanged()
        return link
    link.status, link.revoked_at, link.revoked_by = FamilyLink.Status.REVOKED, timezone.now(), actor
    link.code_digest, link.code_expires_at = "", None
    link.save(update_fields=["status", "revoked_at", "revoked_by", "code_digest", "code_expires_at"])
    audit_record(action=actions.FAMILY_REVOKED, actor=actor, subject=link.dependant, detail=_detail(link))
    other = link.dependant if actor.pk == link.guardian_id else link.guardian
    notice_send(user=other, kind="family", url="/family/", title=words(gettext_lazy("家庭代办关系已解除")))
    return link
