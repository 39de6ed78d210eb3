"""免申即享 use cases: draft, publish (a second person), match (full and the daily delta), the person's
confirm / decline / object, the payout and its notification, and the human queue's decision. Each is
atomic and audited with the policy as the purpose, so it shows in "who used my data"."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.models import Kind
from appeals.services.intake import Intake, case_submit
from benefits import matching, rules
from benefits.models import Entitlement, MatchRun, Payout, Policy, PolicyVersion, ReviewItem
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.outbox import enqueue_on_commit
from core.usecases import SYSTEM, SystemActor, note_audit, pure, side_effect, unchanged, use_case
from identity.actions import declare
from identity.models import User
from identity.notices import named, notice_fields, words
from identity.services import audit_record, notice_send
from identity.sms import sms_send
from payments import platform

POLICY_DRAFTED = declare("benefit_policy_drafted", gettext_lazy("起草免申即享政策"))
POLICY_PUBLISHED = declare("benefit_policy_published", gettext_lazy("发布免申即享政策"))
BENEFIT_MATCHED = declare("benefit_matched", gettext_lazy("免申即享资格比对"))
BENEFIT_CHANGED = declare("benefit_changed", gettext_lazy("免申即享待遇变更"))
BENEFIT_PAID = declare("benefit_paid", gettext_lazy("免申即享待遇发放"))
BENEFIT_REVIEWED = declare("benefit_reviewed", gettext_lazy("免申即享人工复核"))

ENTITLEMENT_URL = "/benefits/"
SMS_TEXT = "【齐鲁通】您符合{policy}，无需申请。请登录齐鲁通确认收款账户，也可以放弃或提出异议。"


def _purpose(policy: Policy) -> str:
    return f"{policy.name}（{policy.legal_basis}）"


def _audit(action: str, entitlement: Entitlement, step: str, actor=None, **detail) -> None:
    policy = entitlement.policy
    audit_record(action=action, actor=actor if isinstance(actor, User) else None, subject=entitlement.user,
                 actor_description="" if isinstance(actor, User) else policy.department.name,
                 purpose=_purpose(policy), detail={"policy": policy.code, "entitlement": entitlement.pk, "step": step, **detail})


@use_case(audit=POLICY_DRAFTED)
def version_draft(*, actor: User, policy: Policy, rule, fields: list[str], benefit_text: str, impact_assessment: str,
                  monthly_amount=None, period: str = PolicyVersion.Period.MONTH, benefit: str = PolicyVersion.Benefit.CASH) -> PolicyVersion:
    """A new draft version. The rule and the amount rule are compiled now: an operator outside the
    subset or a field the version does not declare is refused here, with the reason."""
    if not actor.has_perm("benefits.add_policyversion"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if not impact_assessment.strip():
        raise Invalid(_("An impact assessment (PIPL Art. 55–56) must precede an automated decision."), code="impact_assessment_missing")
    try:
        rules.check(rule, fields=fields)
        if monthly_amount is not None:
            rules.check(monthly_amount, fields=fields, expect=rules.INT)
    except rules.RuleError as refused:
        raise Invalid(_("The rule is refused: %(reason)s") % {"reason": refused}, code="rule_refused") from None
    number = (policy.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PolicyVersion.objects.create(policy=policy, number=number, rule=rule, fields=list(fields), monthly_amount=monthly_amount,
                                           period=period, benefit=benefit, benefit_text=benefit_text, impact_assessment=impact_assessment,
                                           drafted_by=actor)
    audit_record(action=POLICY_DRAFTED, actor=actor, detail={"policy": policy.code, "version": number, "fields": list(fields)})
    return version


@use_case(audit=POLICY_PUBLISHED)
def version_publish(*, actor: User, version: PolicyVersion) -> PolicyVersion:
    """Four eyes: the drafter may not publish their own version. The published one it replaces is superseded."""
    if not actor.has_perm("benefits.publish_policyversion"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.drafted_by_id == actor.pk:
        raise Forbidden(_("A second person publishes: the drafter may not publish their own version."), code="four_eyes")
    if version.status != PolicyVersion.Status.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_a_draft")
    PolicyVersion.objects.filter(policy=version.policy, status=PolicyVersion.Status.PUBLISHED).update(status=PolicyVersion.Status.SUPERSEDED)
    version.status, version.published_by, version.published_at = PolicyVersion.Status.PUBLISHED, actor, timezone.now()
    version.save(update_fields=["status", "published_by", "published_at"])
    audit_record(action=POLICY_PUBLISHED, actor=actor, detail={"policy": version.policy.code, "version": version.number})
    return version


@pure
def published(policy: Policy) -> PolicyVersion:
    version = policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).first()
    if version is None:
        raise NotFound(_("This policy has no published version."), code="no_published_version")
    return version


def _announce(run: MatchRun, version: PolicyVersion, period: matching.Period, now: dt.datetime) -> None:
    """Inbox notice and audit event per new entitlement (set-based), the encrypted evidence, and the SMS after commit."""
    policy = version.policy
    notice = notice_fields(title=words(gettext_lazy("您符合%(policy)s，无需申请"), policy=named(policy)),
                           body=words(gettext_lazy("%(benefit)s。请确认收款账户，也可以放弃或提出异议。"), benefit=version.benefit_text))
    matching.write_evidence(version=version, run_id=run.pk, period=period)
    matching.notices_and_audit(run_id=run.pk, now=now, notice=notice, url_prefix=ENTITLEMENT_URL, action=BENEFIT_MATCHED,
                               who=policy.department.name, detail={"policy": policy.code, "step": "matched", "purpose": _purpose(policy)})
    note_audit(BENEFIT_MATCHED)
    enqueue_on_commit("benefits.notify_by_sms", run.pk)


@use_case(audit=BENEFIT_MATCHED)
def match_run(*, actor: SystemActor | User, policy: Policy, day: dt.date | None = None) -> MatchRun:
    """Match the published version against everyone, for the period holding ``day``. A rerun inserts nothing."""
    if not actor.has_perm("benefits.publish_policyversion"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    version, now = published(policy), timezone.now()
    period = matching.period_of(version, day or now.date())
    run = MatchRun.objects.create(version=version, kind=MatchRun.Kind.FULL, period=period.label, started_at=now)
    run.inserted = matching.insert_matches(version=version, run_id=run.pk, period=period, now=now, since=None)
    run.save(update_fields=["inserted"])
    _announce(run, version, period, now)
    audit_record(action=BENEFIT_MATCHED, actor=actor if isinstance(actor, User) else None, actor_description=policy.department.name,
                 detail={"policy": policy.code, "period": period.label, "step": "run", "inserted": run.inserted})
    return run


@use_case(audit=(BENEFIT_MATCHED, BENEFIT_CHANGED))
def delta_run(*, actor: SystemActor, policy: Policy, day: dt.date | None = None) -> MatchRun:
    """The daily delta: the people whose base records changed since the last run. Newly eligible →
    entitled; no longer eligible and unpaid after a death → revoked; anything else adverse (a paid
    benefit, a move) → the human queue (PIPL Art. 24)."""
    version, now = published(policy), timezone.now()
    period = matching.period_of(version, day or now.date())
    last = MatchRun.objects.filter(version__policy=policy, period=period.label).order_by("-started_at").first()
    if last is None:
        return match_run(actor=actor, policy=policy, day=day)
    run = MatchRun.objects.create(version=version, kind=MatchRun.Kind.DELTA, period=period.label, started_at=now)
    run.inserted = matching.insert_matches(version=version, run_id=run.pk, period=period, now=now, since=last.started_at)
    for pk, status, person_status in matching.no_longer_matching(version=version, period=period, since=last.started_at):
        entitlement = Entitlement.objects.select_related("policy__department", "user").get(pk=pk)
        if status in Entitlement.UNPAID and person_status == "cancelled":
            _revoke(entitlement, now)
            run.revoked += 1
        else:
            _to_review(entitlement, ReviewItem.Reason.PAID_THEN_INELIGIBLE if status == Entitlement.Status.PAID else ReviewItem.Reason.NO_LONGER_ELIGIBLE, now)
            run.queued += 1
    run.save(update_fields=["inserted", "revoked", "queued"])
    _announce(run, version, period, now)
    audit_record(action=BENEFIT_MATCHED, actor_description=policy.department.name,
                 detail={"policy": policy.code, "period": period.label, "step": "delta", "inserted": run.inserted, "revoked": run.revoked,
                         "queued": run.queued})
    return run


def _revoke(entitlement: Entitlement, now: dt.datetime) -> None:
    entitlement.status, entitlement.updated_at = Entitlement.Status.REVOKED, now
    entitlement.save(update_fields=["status", "updated_at"])
    _audit(BENEFIT_CHANGED, entitlement, "revoked", reason="registered deceased")


def _to_review(entitlement: Entitlement, reason: str, now: dt.datetime, case=None) -> ReviewItem:
    entitlement.status, entitlement.updated_at = Entitlement.Status.REVIEW, now
    entitlement.save(update_fields=["status", "updated_at"])
    _audit(BENEFIT_CHANGED, entitlement, "queued for a person", reason=reason)
    return ReviewItem.objects.create(entitlement=entitlement, reason=reason, case=case)


def _own(actor: User, entitlement: Entitlement) -> Entitlement:
    """The person's own entitlement (by their ID number's index: matched before they had an account
    too), locked, and linked to their account; anyone else's answers 404."""
    found = Entitlement.objects.select_for_update(no_key=True).filter(pk=entitlement.pk, person_index=actor.id_number_index).first()
    if found is None:
        raise NotFound()
    if found.user_id != actor.pk:
        Entitlement.objects.filter(pk=found.pk).update(user=actor)
    return Entitlement.objects.select_related("policy__department", "user", "version").get(pk=found.pk)


def _clean_card(number: str) -> str:
    digits = "".join(number.split())
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn(digits):
        raise Invalid(_("Enter a valid bank card number."), code="bad_card_number", errors={"account_number": [_("Enter a valid bank card number.")]})
    return digits


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@use_case(audit=BENEFIT_CHANGED)
def entitlement_confirm(*, actor: User, entitlement: Entitlement, account_number: str, account_bank: str) -> Entitlement:
    """The person chooses the card it is paid to (kept encrypted); the payout is sent after commit."""
    entitlement = _own(actor, entitlement)
    if entitlement.status == Entitlement.Status.CONFIRMED:
        unchanged()
        return entitlement
    if entitlement.status not in (Entitlement.Status.NOTIFIED, Entitlement.Status.DECLINED):
        raise Conflict(_("This benefit can no longer be confirmed."), code="not_confirmable")
    entitlement.account_number, entitlement.account_bank = _clean_card(account_number), account_bank.strip()[:64]
    entitlement.status, entitlement.updated_at = Entitlement.Status.CONFIRMED, timezone.now()
    entitlement.save(update_fields=["account_number", "account_bank", "status", "updated_at"])
    _audit(BENEFIT_CHANGED, entitlement, "confirmed", actor)
    if entitlement.amount_fen:
        payout = Payout.objects.create(entitlement=entitlement, number=f"BN{entitlement.pk:012d}", amount_fen=entitlement.amount_fen)
        enqueue_on_commit("benefits.payout_send", payout.pk)
    return entitlement


@use_case(audit=BENEFIT_CHANGED)
def entitlement_decline(*, actor: User, entitlement: Entitlement) -> Entitlement:
    entitlement = _own(actor, entitlement)
    if entitlement.status != Entitlement.Status.NOTIFIED:
        raise Conflict(_("Only a benefit waiting for your answer can be declined."), code="not_declinable")
    entitlement.status, entitlement.updated_at = Entitlement.Status.DECLINED, timezone.now()
    entitlement.save(update_fields=["status", "updated_at"])
    _audit(BENEFIT_CHANGED, entitlement, "declined", actor)
    return entitlement


@pure
def evidence_words(entitlement: Entitlement) -> str:
    stored = json.loads(entitlement.evidence or "{}")
    facts = stored.get("facts", {})
    lines = [f"{'✓' if ok else '✗'} {text}" for text, ok in rules.explain(entitlement.version.rule, facts)]
    return "\n".join([f"{entitlement.policy.name} {entitlement.period_words}", *lines,
                      *(f"{rules.FIELDS[name].label}: {rules.shown(name, value)}" for name, value in facts.items() if name in rules.FIELDS)])


@use_case(audit=BENEFIT_CHANGED)
def entitlement_object(*, actor: User, entitlement: Entitlement, reason: str) -> ReviewItem:
    """An objection opens a 投诉 case carrying the evidence, and waits for a person to decide."""
    entitlement = _own(actor, entitlement)
    if entitlement.status in (Entitlement.Status.OBJECTED, Entitlement.Status.REVIEW, Entitlement.Status.PAID):
        raise Conflict(_("This benefit is already with a person, or already paid."), code="not_objectable")
    if not reason.strip():
        raise Invalid(_("Say what you object to."), code="reason_required", errors={"reason": [_("Say what you object to.")]})
    text = f"{reason.strip()}\n\n{evidence_words(entitlement)}"
    received = case_submit(actor=actor, intake=Intake(kind=Kind.COMPLAINT, title=_("免申即享异议：%(policy)s") % {"policy": entitlement.policy.name},
                                                      text=text, about_department=entitlement.policy.department))
    now = timezone.now()
    item = _to_review(entitlement, ReviewItem.Reason.OBJECTION, now, case=received.case)
    Entitlement.objects.filter(pk=entitlement.pk).update(status=Entitlement.Status.OBJECTED)
    _audit(BENEFIT_CHANGED, entitlement, "objected", actor, case=received.case.number)
    return item


@use_case(audit=BENEFIT_REVIEWED)
def review_decide(*, actor: User, item: ReviewItem, outcome: str, note: str) -> ReviewItem:
    """A person decides: ``upheld`` keeps what the machine found (paid and ineligible: recover; an
    objection: rejected), ``reversed`` restores the benefit for the person's answer."""
    if not actor.has_perm("benefits.change_reviewitem"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    item = ReviewItem.objects.select_for_update(of=("self",)).select_related("entitlement__policy__department", "entitlement__user").get(pk=item.pk)
    if item.outcome:
        raise Conflict(_("Already decided."), code="already_decided")
    if outcome not in (ReviewItem.Outcome.UPHELD, ReviewItem.Outcome.REVERSED) or not note.strip():
        raise Invalid(_("Choose an outcome and give the reason."), code="outcome_required")
    item.outcome, item.note, item.decided_by, item.decided_at = outcome, note.strip(), actor, timezone.now()
    item.save(update_fields=["outcome", "note", "decided_by", "decided_at"])
    entitlement = item.entitlement
    paid = Payout.objects.filter(entitlement=entitlement, status=Payout.Status.PAID).exists()
    if outcome == ReviewItem.Outcome.REVERSED:
        entitlement.status = Entitlement.Status.PAID if paid else Entitlement.Status.NOTIFIED
    else:
        entitlement.status = Entitlement.Status.REVOKED if item.reason == ReviewItem.Reason.PAID_THEN_INELIGIBLE else Entitlement.Status.DECLINED
    entitlement.updated_at = item.decided_at
    entitlement.save(update_fields=["status", "updated_at"])
    audit_record(action=BENEFIT_REVIEWED, actor=actor, subject=entitlement.user, purpose=_purpose(entitlement.policy),
                 detail={"policy": entitlement.policy.code, "entitlement": entitlement.pk, "outcome": outcome})
    notice_send(user=entitlement.user, kind="benefit", url=f"{ENTITLEMENT_URL}{entitlement.pk}/",
                title=words(gettext_lazy("%(policy)s：人工复核已有结论"), policy=named(entitlement.policy)), body=item.note)
    return item


@use_case(audit=BENEFIT_PAID)
def payout_record(*, actor: SystemActor, payout: Payout, answer: dict) -> Payout:
    """The platform accepted the transfer (its answer to our request keyed by ``payout.number``)."""
    payout = Payout.objects.select_for_update(of=("self",)).select_related("entitlement__policy__department", "entitlement__user").get(pk=payout.pk)
    if payout.trade_no:
        unchanged()
        return payout
    payout.trade_no = str(answer.get("trade_no", ""))
    payout.save(update_fields=["trade_no"])
    _audit(BENEFIT_PAID, payout.entitlement, "sent to the payment platform", number=payout.number)
    return payout


@use_case(audit=BENEFIT_PAID)
def payout_notification_receive(*, actor: SystemActor, headers, body: bytes) -> str:
    """The platform says a transfer arrived. Believed only when signed and recent; acted on once per
    payout: a retried notification (same or new event id) finds it paid and changes nothing."""
    try:
        notice = platform.verify(headers, body)
    except platform.BadNotification as refused:
        audit_record(action=BENEFIT_PAID, actor_description=_("Payment platform"), detail={"step": refused.kind})
        return refused.kind
    payout = Payout.objects.select_for_update(of=("self",)).select_related("entitlement__policy__department", "entitlement__user") \
        .filter(number=notice.out_trade_no).first()
    if payout is None or notice.event_type != "TRANSFER.SUCCESS" or notice.amount_fen != payout.amount_fen:
        audit_record(action=BENEFIT_PAID, actor_description=_("Payment platform"), detail={"step": "refused", "out_trade_no": notice.out_trade_no})
        return "refused"
    if payout.status == Payout.Status.PAID:
        unchanged()
        return "duplicate"
    payout.status, payout.paid_at, payout.notification_id, payout.trade_no = Payout.Status.PAID, timezone.now(), notice.event_id, notice.trade_no
    payout.save(update_fields=["status", "paid_at", "notification_id", "trade_no"])
    entitlement = payout.entitlement
    if entitlement.status == Entitlement.Status.CONFIRMED:
        entitlement.status, entitlement.updated_at = Entitlement.Status.PAID, payout.paid_at
        entitlement.save(update_fields=["status", "updated_at"])
    _audit(BENEFIT_PAID, entitlement, "paid", number=payout.number)
    notice_send(user=entitlement.user, kind="benefit", url=f"{ENTITLEMENT_URL}{entitlement.pk}/",
                title=words(gettext_lazy("%(policy)s 已发放 %(yuan)s 元"), policy=named(entitlement.policy), yuan=entitlement.yuan))
    return "paid"


@side_effect
def sms_for_run(run_id: int) -> int:
    """One SMS per new entitlement of a person with a phone (after the run's commit; the SMS outbox is the record)."""
    run = MatchRun.objects.select_related("version__policy").get(pk=run_id)
    body = SMS_TEXT.format(policy=run.version.policy.name)
    sent = 0
    for entitlement in Entitlement.objects.filter(run=run, user__isnull=False, user__phone_index__isnull=False).select_related("user").iterator():
        sms_send(phone=entitlement.user.phone, body=body, purpose=f"benefit:{entitlement.pk}")
        sent += 1
    return sent


@side_effect
def payout_transfer(payout_id: int) -> str:
    """Ask the platform to transfer, keyed by the payout's number: a retried task (or a retried
    request) makes the same transfer, never a second one. Outside any transaction; the answer is
    recorded by ``payout_record``."""
    payout = Payout.objects.select_related("entitlement__policy", "entitlement__user").get(pk=payout_id)
    if payout.status == Payout.Status.PAID:
        return payout.status
    entitlement = payout.entitlement
    answer = platform.transfer(out_trade_no=payout.number, amount_fen=payout.amount_fen, account_number=entitlement.account_number or "",
                               account_name=entitlement.user.name if entitlement.user else "", description=entitlement.policy.name[:128])
    payout_record(actor=SYSTEM, payout=payout, answer=answer)
    return payout.status
