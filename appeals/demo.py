"""Demo cases (``seed_demo``): a category tree with default departments, routing rules, a deadline rule,
cases in every state — the reviewer 陈强's department (公安厅) holding one yellow and one red card —
and a month of dispatched and called-back cases behind the departments' scores.

New cases go through the use cases a person would trigger (submit, dispatch, accept, reply, 回访);
the month of history is written with the dates it would have had (a use case stamps "now"), its
deadlines computed by ``appeals.deadlines``, and the cards set by the real sweep."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from appeals import deadlines
from appeals.models import Case, CaseCategory, CaseEvent, CaseSource, DeadlineRule, RoutingRule, Status
from appeals.services import intake, workflow
from appeals.services.sweep import cases_sweep
from core.usecases import SYSTEM
from identity.models import Department
from services import workdays

CATEGORIES = [  # (parent, name, name_en, department code, keywords)
    (None, "交通出行", "Transport", "SD-JTT", "公交 道路 出租车"),
    ("交通出行", "驾驶证与车辆", "Licences and vehicles", "SD-GAT", "驾驶证 驾照 车辆 违章 车管所"),
    (None, "社会保障", "Social security", "SD-RST", "社保 养老 失业 医保"),
    (None, "住房与物业", "Housing", "SD-ZJT", "物业 房屋 小区 电梯 漏水"),
    (None, "政务服务", "Government services", "SD-ZWFW", "窗口 大厅 办事 排队"),
]
RULES = [  # (position, name, keyword, kind, department code)
    (10, "驾驶证、车辆问题派公安厅", "驾驶证", "", "SD-GAT"),
    (20, "物业问题派住建厅", "物业", "", "SD-ZJT"),
    (30, "社保问题派人社厅", "社保", "", "SD-RST"),
]
HISTORY_TEXTS = ["驾驶证换证预约不上", "社保卡补办进度慢", "小区物业不作为", "公交线路调整不合理", "窗口排队时间太长", "养老金认证失败",
                 "电梯长期故障", "车管所电话打不通"]


def seed_reference() -> dict[str, CaseCategory]:
    categories: dict[str, CaseCategory] = {}
    for parent, name, name_en, code, keywords in CATEGORIES:
        categories[name], _ = CaseCategory.objects.get_or_create(
            name=name, parent=categories.get(parent) if parent else None,
            defaults={"name_en": name_en, "default_department": Department.objects.filter(code=code).first(), "keywords": keywords})
    for position, name, keyword, kind, code in RULES:
        RoutingRule.objects.get_or_create(name=name, defaults={"position": position, "keyword": keyword, "kind": kind,
                                                               "department": Department.objects.get(code=code)})
    if not DeadlineRule.objects.exists():
        DeadlineRule.objects.create(urgency="urgent", reply_days=2, extension_max_days=5, return_days=1,
                                    valid_from=timezone.now() - dt.timedelta(days=365))
    return categories


def _history_case(rng: random.Random, department: Department, category: CaseCategory, day: dt.datetime, index: int) -> None:
    limits = deadlines.limits_for(category=category, kind="complaint", urgency="normal", at=day)
    return_due = workdays.deadline(day, limits.return_days)
    accepted = day + dt.timedelta(hours=rng.choice((2, 5, 20, 30, 80)))
    replied = accepted + dt.timedelta(days=rng.randint(1, 5))
    called_back = replied + dt.timedelta(days=1)
    solved = rng.random() < 0.85
    satisfied = solved and rng.random() < 0.9
    case = Case.objects.create(
        number=f"SQ{timezone.localtime(day):%Y%m%d}9{index:07d}", kind="complaint", channel=rng.choice(("app", "hotline", "portal")),
        status=Status.CLOSED, title=HISTORY_TEXTS[index % len(HISTORY_TEXTS)], text=HISTORY_TEXTS[index % len(HISTORY_TEXTS)] + "，希望尽快解决。",
        category=category, department=department, dispatched_at=day, return_due=return_due, accepted_at=accepted,
        reply_due=workdays.deadline(day, limits.reply_days), yellow_at=day, replied_at=replied, reply_public="已核实并处理。",
        called_back_at=called_back, solved=solved, satisfied=satisfied, closed_at=called_back, created_at=day - dt.timedelta(hours=1))
    CaseSource.objects.create(case=case, channel=case.channel, received_at=case.created_at)
    for action, source, target, at in (("submit", "", Status.NEW, case.created_at), ("dispatch", Status.NEW, Status.DISPATCHED, day),
                                       ("accept", Status.DISPATCHED, Status.IN_PROGRESS, accepted), ("reply", Status.IN_PROGRESS, Status.REPLIED, replied),
                                       ("close", Status.REPLIED, Status.CLOSED, called_back)):
        CaseEvent.objects.create(case=case, action=action, from_status=source, to_status=target, actor_label="系统" if action != "accept" else str(department),
                                 public_text="已核实并处理。" if action == "reply" else "", created_at=at)


def seed_history(categories: dict[str, CaseCategory]) -> None:
    """A month of closed cases across four departments (the scores' figures)."""
    if Case.objects.filter(number__contains="9", status=Status.CLOSED, reporter__isnull=True).exists():
        return
    rng = random.Random(23)
    now = timezone.now()
    picks = [("SD-GAT", "驾驶证与车辆"), ("SD-RST", "社会保障"), ("SD-ZJT", "住房与物业"), ("SD-ZWFW", "政务服务")]
    for index in range(48):
        code, name = picks[index % len(picks)]
        _history_case(rng, Department.objects.get(code=code), categories[name], now - dt.timedelta(days=30 - index * 28 / 48, hours=3), index)


def seed_live(users: dict, categories: dict[str, CaseCategory]) -> None:
    """Open cases in every state, through the use cases."""
    zhang, dispatcher, reviewer = users["citizen"], users["dispatcher"], users["reviewer"]
    if Case.objects.filter(reporter=zhang).exists():
        return

    def submit(text: str, kind: str = "complaint", **extra) -> Case:
        return intake.case_submit(actor=zhang, intake=intake.Intake(kind=kind, title=text[:20], text=text, area="历下区", **extra)).case

    submit("咨询：孩子上小学需要准备哪些材料？", kind="consult")  # new: waits for the dispatcher (no rule routes it)
    submit("12345 转来的问题：小区门口路灯坏了一个月，晚上很黑。")  # new, suggested category none
    dispatched = submit("驾驶证期满换证，网上预约一直显示无号。")  # a rule dispatches it to 公安厅
    accepted = workflow.case_accept(actor=reviewer, case=submit("驾驶证补领后邮寄地址填错了，如何修改？"))
    suspended = workflow.case_suspend(actor=reviewer, case=workflow.case_accept(actor=reviewer, case=submit("驾驶证体检证明上传失败。")),
                                      reason="请在“我的诉求”中补充体检证明照片，期限暂停计算。")
    replied = workflow.case_reply(actor=reviewer, case=workflow.case_accept(actor=reviewer, case=submit("驾驶证照片回执查不到。")),
                                  public_text="已为您重新推送照片回执，请在卡包中查看。", internal_note="系统接口超时，已人工补推。")
    closed = workflow.case_reply(actor=reviewer, case=workflow.case_accept(actor=reviewer, case=submit("驾驶证审验教育怎么预约？", kind="consult")),
                                 public_text="可在“办事”中搜索“审验教育”在线预约。")
    workflow.case_callback(actor=zhang, case=closed, solved=True, satisfied=True)
    returned = workflow.case_return(actor=users["reviewer"], case=submit("驾驶证相关：楼下物业乱收停车费。"), reason="属于物业管理，请派住建部门。")
    new_for_discard = submit("测试提交，请忽略。", kind="suggestion")
    workflow.case_discard(actor=dispatcher, case=new_for_discard, reason="内容为测试，不予受理。")
    supervised = workflow.case_supervise(actor=dispatcher, case=workflow.case_accept(actor=reviewer, case=submit("驾驶证换证多次被退回，无人解释。")),
                                         note="群众多次来电，请加快办理。")
    # one yellow card (due at the close of the next working day) and one red (due yesterday), as if dispatched earlier
    now = timezone.now()
    for case, due in ((accepted, workdays.deadline(timezone.now(), 1)),
                      (dispatched, now - dt.timedelta(days=1))):
        deadlines.set_reply_due(case, due, now=now)
        Case.objects.filter(pk=case.pk).update(dispatched_at=now - dt.timedelta(days=7), return_due=now - dt.timedelta(days=5),
                                               reply_due=case.reply_due, yellow_at=case.yellow_at, card="")
    submit("驾驶证上的住址想改成新家，需要去窗口吗？")  # dispatched by the rule, waiting to be accepted
    cases_sweep(actor=SYSTEM)
    del suspended, replied, returned, supervised


def seed_cases(users: dict) -> None:
    categories = seed_reference()
    seed_live(users, categories)
    seed_history(categories)
