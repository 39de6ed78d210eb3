"""Demo 鲁通码 data: five scenarios, and one registered reader with one terminal for each. Every demo
terminal signs in with ``<key id>.DEMO_TERMINAL_SECRET`` (the key ids are ``demo-lt-<scenario>``)."""

from __future__ import annotations

from core.usecases import SYSTEM
from credentials.models import RelyingParty
from identity import crypto
from lutong.models import Reader, Scenario, Terminal, Transport
from lutong.services import reader_register

DEMO_TERMINAL_SECRET = "demo-lutong-terminal-secret"  # noqa: S105 — the demo's, printed in the README like the others

QR, NFC, NETWORK = Transport.QR.value, Transport.NFC.value, Transport.NETWORK.value

# code, name, name_en, purpose, purpose_en, legal basis, statutory, what its readers see
SCENARIOS = [
    ("government_window", "政务服务窗口", "Government service window", "办事时核对办事人身份", "Checking the applicant's identity at a service window",
     "《优化营商环境条例》、政务服务实名办理要求", True, {"id_card": ["holder_name", "holder_number", "address"]}),
    ("hospital_registration", "医院挂号", "Hospital registration", "实名挂号与医保结算", "Registering a patient by real name and settling medical insurance",
     "医疗机构实名就诊要求", False, {"id_card": ["holder_name", "gender", "birth_date"], "social_security_card": ["social_security_number"]}),
    ("metro_gate", "地铁闸机", "Metro gate", "进站与老年人免费乘车优惠核验", "Entering the metro and checking the seniors' free-ride concession",
     "", False, {"id_card": ["birth_date"]}),
    ("library", "图书馆借阅", "Library lending", "读者身份识别与借还书", "Identifying a reader to lend and return books", "", False,
     {"id_card": ["holder_name"]}),
    ("canteen", "食堂就餐", "Canteen", "就餐人员识别与结算", "Identifying a diner and settling the meal", "", False,
     {"social_security_card": ["card_number"]}),
]

# client id, scenario, name, name_en, kind, organisation, transports, terminal
READERS = [
    ("jinan-lixia-hall-lutong", "government_window", "济南市历下区政务服务大厅鲁通码读码", "Lixia District service hall, Jinan: 鲁通码 reader",
     RelyingParty.Kind.WINDOW, "济南市历下区行政审批服务局", [QR, NETWORK], "综合窗口 3 号"),
    ("qilu-hospital-registration", "hospital_registration", "山东大学齐鲁医院挂号处", "Qilu Hospital: registration desk",
     RelyingParty.Kind.THIRD_PARTY, "山东大学齐鲁医院", [QR], "门诊大厅自助机 A2"),
    ("jinan-metro-gates", "metro_gate", "济南轨道交通闸机", "Jinan Metro gates", RelyingParty.Kind.CHECKPOINT, "济南轨道交通集团有限公司",
     [QR, NFC], "1 号线 泉城广场站 B 口 5 号闸机"),
    ("shandong-library", "library", "山东省图书馆借阅处", "Shandong Library: lending desk", RelyingParty.Kind.THIRD_PARTY, "山东省图书馆",
     [QR, NFC], "一楼借还台"),
    ("lixia-canteen", "canteen", "历下区机关食堂", "Lixia District offices' canteen", RelyingParty.Kind.THIRD_PARTY, "济南市历下区机关事务服务中心",
     [QR], "一号窗口"),
]


def seed_readers() -> dict[str, Terminal]:
    """The scenarios, their readers and one terminal each (by scenario code); safe to run twice."""
    scenarios = {}
    for position, (code, name, name_en, purpose, purpose_en, basis, statutory, allowed) in enumerate(SCENARIOS):
        scenarios[code], _ = Scenario.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "purpose": purpose, "purpose_en": purpose_en, "legal_basis": basis, "statutory": statutory,
            "allowed": allowed, "position": position})
    terminals = {}
    for client_id, code, name, name_en, kind, organisation, transports, terminal_name in READERS:
        scenario = scenarios[code]
        party, _ = RelyingParty.objects.update_or_create(client_id=client_id, defaults={
            "name": name, "name_en": name_en, "kind": kind, "organisation": organisation, "purpose": scenario.purpose,
            "purpose_en": scenario.purpose_en, "allowed": scenario.allowed, "is_active": True})
        reader = Reader.objects.filter(relying_party=party).first() or reader_register(actor=SYSTEM, relying_party=party, scenario=scenario,
                                                                                        transports=transports)
        terminal, _ = Terminal.objects.get_or_create(key_id=f"demo-lt-{code.replace('_', '-')}", defaults={
            "reader": reader, "name": terminal_name, "secret_hash": crypto.secret_digest(DEMO_TERMINAL_SECRET)})
        terminals[code] = terminal
    return terminals
