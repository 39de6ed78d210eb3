"""Demo credential types (eight, with realistic fields), issuing systems and credentials for `make run`."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io

from PIL import Image, ImageDraw

from credentials import signing
from credentials.models import CredentialType, HolderKind
from credentials.services import credential_issue
from identity import demo
from identity.models import ApiClient, Department

# Demo issuing systems get fixed tokens so a newcomer can curl the push API; production uses
# ApiClient.set_new_secret() in admin, shown once.
DEMO_ISSUER_SECRET = "demo-issuer-secret-2026"

DEPARTMENTS = {
    "SD-GAT": ("山东省公安厅", demo.credit_code("370000", 11, authority="1", category="1")),
    "SD-RST": ("山东省人力资源和社会保障厅", demo.credit_code("370000", 12, authority="1", category="1")),
    "SD-SCJG": ("山东省市场监督管理局", demo.credit_code("370000", 13, authority="1", category="1")),
    "SD-MZT": ("山东省民政厅", demo.credit_code("370000", 14, authority="1", category="1")),
    "SD-JYT": ("山东省教育厅", demo.credit_code("370000", 15, authority="1", category="1")),
}


# The fields' English labels (an English page shows these; the Chinese label is the card's own words).
LABELS_EN = {
    "gender": "Sex", "ethnicity": "Ethnicity", "birth_date": "Date of birth", "address": "Address", "id_number": "ID number",
    "issuing_authority": "Issuing authority", "household_number": "Household number", "household_type": "Household type",
    "relation": "Relation to the head of household", "licence_number": "Licence number", "licence_class": "Permitted class",
    "first_issued": "First issued", "file_number": "File number", "plate_number": "Plate number", "vehicle_type": "Vehicle type",
    "use_nature": "Use", "brand_model": "Make and model", "vin": "VIN", "register_date": "Registered on",
    "social_security_number": "Social security number", "card_number": "Card number", "bank": "Bank", "city": "Issued in",
    "company_type": "Type", "legal_representative": "Legal representative", "registered_capital": "Registered capital",
    "established_on": "Established on", "business_scope": "Business scope", "certificate_number": "Certificate number",
    "spouse_name": "Spouse's name", "spouse_id_number": "Spouse's ID number", "registered_on": "Registered on", "registry": "Registry",
    "degree": "Degree", "discipline": "Discipline", "university": "Awarded by", "awarded_on": "Awarded on",
}


def _f(key, label, type="text", required=True, **extra):
    return {"key": key, "label": label, "label_en": LABELS_EN[key], "type": type, "required": required, **extra}


TYPES = [
    ("id_card", "居民身份证", "Resident ID card", HolderKind.PERSON, "SD-GAT", "001", 20, "#1f5fa8", [
        _f("gender", "性别", "choice", choices=["男", "女"]), _f("ethnicity", "民族", required=False), _f("birth_date", "出生", "date"),
        _f("address", "住址"), _f("id_number", "公民身份号码", "id_number"), _f("issuing_authority", "签发机关", on_card=False)]),
    ("household_register", "居民户口簿", "Household register", HolderKind.PERSON, "SD-GAT", "002", None, "#7a4b1e", [
        _f("household_number", "户号"), _f("household_type", "户别", "choice", choices=["家庭户", "集体户"]),
        _f("relation", "与户主关系"), _f("address", "住址"), _f("id_number", "公民身份号码", "id_number")]),
    ("driving_licence", "机动车驾驶证", "Driving licence", HolderKind.PERSON, "SD-GAT", "003", 6, "#2e6b3a", [
        _f("licence_number", "证号", "id_number"), _f("licence_class", "准驾车型", "choice", choices=["A1", "A2", "B1", "B2", "C1", "C2", "D", "E"]),
        _f("first_issued", "初次领证日期", "date"), _f("file_number", "档案编号", on_card=False), _f("address", "住址", required=False)]),
    ("vehicle_licence", "机动车行驶证", "Vehicle licence", HolderKind.PERSON, "SD-GAT", "004", None, "#3c5a78", [
        _f("plate_number", "号牌号码"), _f("vehicle_type", "车辆类型"), _f("use_nature", "使用性质", "choice", choices=["非营运", "营运"]),
        _f("brand_model", "品牌型号"), _f("vin", "车辆识别代号", on_card=False), _f("register_date", "注册日期", "date")]),
    ("social_security_card", "社会保障卡", "Social security card", HolderKind.PERSON, "SD-RST", "001", 10, "#b0302b", [
        _f("social_security_number", "社会保障号码", "id_number"), _f("card_number", "卡号"), _f("bank", "开户银行"), _f("city", "发卡地")]),
    ("business_licence", "营业执照", "Business licence", HolderKind.ORGANISATION, "SD-SCJG", "001", None, "#a3262a", [
        _f("company_type", "类型"), _f("legal_representative", "法定代表人"), _f("registered_capital", "注册资本"),
        _f("established_on", "成立日期", "date"), _f("address", "住所"), _f("business_scope", "经营范围", on_card=False)]),
    ("marriage_certificate", "结婚证", "Marriage certificate", HolderKind.PERSON, "SD-MZT", "001", None, "#c0392b", [
        _f("certificate_number", "结婚证字号"), _f("spouse_name", "配偶姓名"), _f("spouse_id_number", "配偶身份证号", "id_number"),
        _f("registered_on", "登记日期", "date"), _f("registry", "登记机关")]),
    ("degree_certificate", "学位证书", "Degree certificate", HolderKind.PERSON, "SD-JYT", "001", None, "#5b3f8c", [
        _f("degree", "学位", "choice", choices=["学士", "硕士", "博士"]), _f("discipline", "学科门类"), _f("university", "授予单位"),
        _f("certificate_number", "证书编号"), _f("awarded_on", "授予日期", "date")]),
]


def demo_photo(seed: str) -> str:
    """A plain silhouette as a stand-in holder photo (base64 JPEG)."""
    shade = int(hashlib.sha256(seed.encode()).hexdigest()[:2], 16) // 4 + 150
    image = Image.new("RGB", (240, 320), (shade, shade + 20 if shade < 230 else shade, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 50, 170, 160), fill=(90, 90, 100))
    draw.ellipse((30, 170, 210, 380), fill=(90, 90, 100))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode()


HELD_ONCE = ("id_card", "driving_licence")  # a re-issue (换证, 补证) supersedes the holder's old one


def seed_types() -> dict[str, ApiClient]:
    """Departments, one issuing system each (token ``<key id>.DEMO_ISSUER_SECRET``), and the types."""
    clients = {}
    for code, (name, credit) in DEPARTMENTS.items():
        department, _ = Department.objects.get_or_create(code=code, defaults={"name": name, "area_code": "370000"})
        if not department.credit_code:
            department.credit_code = credit
            department.save(update_fields=["credit_code"])
        key_id = f"demo-{code.lower()}"
        client = ApiClient.objects.filter(key_id=key_id).first()
        if client is None:
            client = ApiClient(key_id=key_id, name=f"{name}电子证照签发系统", scopes=["credentials.issue"], department=department)
            client.secret_hash = hashlib.sha256(DEMO_ISSUER_SECRET.encode()).hexdigest()
            client.save()
        clients[code] = client
    for code, name, name_en, holder_kind, dept, serial, years, colour, schema in TYPES:
        department = Department.objects.get(code=dept)
        ctype, _ = CredentialType.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "holder_kind": holder_kind, "department": department,
                "type_code": department.credit_code + serial, "validity_years": years, "colour": colour, "field_schema": schema,
                "single_per_holder": code in HELD_ONCE,
            },
        )
        ctype.issuers.add(clients[dept])
    return clients


def seed_credentials(users: dict, organisation) -> None:
    """Credentials for the demo people and organisation (re-running updates them, never duplicates)."""
    signing.ensure_signing_key()
    clients = seed_types()
    zhang, li = users["citizen"], users["legal_rep"]
    today = dt.date.today()
    pushes = [
        ("SD-GAT", "id_card", "ID-" + zhang.id_number[-6:], zhang, dt.date(2016, 5, 9), {
            "gender": "男", "ethnicity": "汉", "birth_date": "1990-03-07", "address": "山东省济南市历下区泉城路100号",
            "id_number": zhang.id_number, "issuing_authority": "济南市公安局历下分局"}),
        ("SD-GAT", "household_register", "HH-" + zhang.id_number[-6:], zhang, dt.date(2010, 8, 1), {
            "household_number": "370102-0088123", "household_type": "家庭户", "relation": "户主", "address": "山东省济南市历下区泉城路100号",
            "id_number": zhang.id_number}),
        ("SD-GAT", "driving_licence", "DL-" + zhang.id_number[-6:], zhang, today.replace(year=today.year - 2), {
            "licence_number": zhang.id_number, "licence_class": "C1", "first_issued": "2012-07-16", "file_number": "370100123456",
            "address": "山东省济南市历下区泉城路100号"}),
        ("SD-GAT", "vehicle_licence", "VL-" + zhang.id_number[-6:], zhang, dt.date(2021, 4, 2), {
            "plate_number": "鲁A·D12345", "vehicle_type": "小型新能源汽车", "use_nature": "非营运", "brand_model": "比亚迪 BYD7152",
            "vin": "LGXC16DF5M0123456", "register_date": "2021-04-02"}),
        ("SD-RST", "social_security_card", "SS-" + zhang.id_number[-6:], zhang, dt.date(2019, 3, 1), {
            "social_security_number": zhang.id_number, "card_number": "A37010200123", "bank": "中国工商银行济南分行", "city": "济南市"}),
        ("SD-MZT", "marriage_certificate", "MC-" + zhang.id_number[-6:], zhang, dt.date(2018, 10, 1), {
            "certificate_number": "J370102-2018-004521", "spouse_name": "王丽", "spouse_id_number": demo.id_number("370102", dt.date(1992, 5, 20), 246),
            "registered_on": "2018-10-01", "registry": "济南市历下区民政局"}),
        ("SD-JYT", "degree_certificate", "DG-" + zhang.id_number[-6:], zhang, dt.date(2012, 6, 30), {
            "degree": "学士", "discipline": "工学", "university": "山东大学", "certificate_number": "1042232012001234", "awarded_on": "2012-06-30"}),
        ("SD-GAT", "id_card", "ID-" + li.id_number[-6:], li, dt.date(2015, 1, 12), {
            "gender": "男", "ethnicity": "汉", "birth_date": "1978-11-02", "address": "山东省青岛市市南区香港中路8号",
            "id_number": li.id_number, "issuing_authority": "青岛市公安局市南分局"}),
    ]
    for dept, type_code, record_id, person, issued_on, fields in pushes:
        credential_issue(actor=clients[dept], data={
            "type": type_code, "record_id": record_id, "holder_number": person.id_number, "holder_name": person.name,
            "fields": fields, "issued_on": issued_on,
            "photo": demo_photo(person.name) if type_code in ("id_card", "driving_licence", "social_security_card") else None})
    credential_issue(actor=clients["SD-SCJG"], data={
        "type": "business_licence", "record_id": "BL-" + organisation.credit_code, "holder_number": organisation.credit_code,
        "holder_name": organisation.name, "issued_on": dt.date(2015, 6, 1), "fields": {
            "company_type": "有限责任公司（自然人投资或控股）", "legal_representative": li.name, "registered_capital": "500万元人民币",
            "established_on": "2015-06-01", "address": "山东省青岛市市南区东海西路15号", "business_scope": "软件开发；信息技术咨询服务；数据处理服务"}})


DEMO_BANK_KEY_ID = "demo-qilu-bank"  # the bank's system signs in with "<key id>.DEMO_ISSUER_SECRET"


def seed_relying_parties(users: dict) -> None:
    """The verifier register's demo entries: the hall's window (the demo clerk), a station checkpoint
    (the demo checkpoint staff) and a bank's account opening (a system client)."""
    from credentials.models import RelyingParty

    bank = ApiClient.objects.filter(key_id=DEMO_BANK_KEY_ID).first()
    if bank is None:
        bank = ApiClient(key_id=DEMO_BANK_KEY_ID, name="齐鲁银行开户系统", scopes=[])
        bank.secret_hash = hashlib.sha256(DEMO_ISSUER_SECRET.encode()).hexdigest()
        bank.save()
    parties = [
        ("jinan-lixia-hall-window", "济南市历下区政务服务大厅综合窗口", "Lixia District service hall, Jinan: front desk", "window",
         "济南市历下区行政审批服务局",
         "办理业务时核对办事人身份与所需证照信息", "Checking the applicant's identity and the credentials a service needs",
         {"id_card": ["holder_name", "holder_number", "address"], "household_register": ["holder_name", "household_number", "relation"],
          "driving_licence": ["holder_name", "licence_class", "expires_on"]}, users.get("clerk"), None),
        ("jinan-west-station-gate", "济南西站实名进站核验点", "Jinan West station: ID check at the gates", "checkpoint", "中国铁路济南局集团有限公司",
         "乘车实名制核验（《铁路旅客运输规程》）", "Passenger real-name check (railway passenger rules)",
         {"id_card": ["holder_name", "birth_date"]}, users.get("checkpoint"), None),
        ("qilu-bank-account-opening", "齐鲁银行线上开户", "Qilu Bank: opening an account online", "third_party", "齐鲁银行股份有限公司",
         "开立个人银行账户时的客户身份识别（《反洗钱法》）",
         "Customer due diligence when opening a personal account (anti-money-laundering law)",
         {"id_card": ["holder_name", "holder_number", "address", "expires_on"]}, None, bank),
    ]
    for client_id, name, name_en, kind, organisation, purpose, purpose_en, allowed, member, api_client in parties:
        party, _ = RelyingParty.objects.update_or_create(client_id=client_id, defaults={
            "name": name, "name_en": name_en, "kind": kind, "organisation": organisation, "purpose": purpose, "purpose_en": purpose_en,
            "allowed": allowed, "api_client": api_client})
        if member is not None:
            party.members.add(member)
