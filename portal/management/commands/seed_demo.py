"""Create demo data for `make run`: base records, departments, staff of every role, an organisation
with an agent, a few synthetic citizens, credential types, issuing systems and credentials. Safe to run again: existing rows are kept.
Refused in production (``QILU_ENV=prod``): the demo accounts' password and TOTP secret are in the README."""

import datetime as dt

from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.usecases import SYSTEM
from credentials import seals
from credentials.demo import DEMO_ISSUER_SECRET, seed_credentials, seed_relying_parties
from healthcode.demo import seed_health
from identity import demo, roles, second_factor
from identity.models import AgentAuthorisation, AgentScope, Department, Organisation, ServiceHall, User, id_number_index
from identity.services import base_records_import
from knowledge.demo import seed_knowledge
from lutong.demo import seed_readers
from services.demo import seed_catalogue

PASSWORD = "Qilu-demo-2026"

# (key, name, ID number, phone, role, staff?)
DEMO_PEOPLE = [
    ("citizen", "张三", demo.id_number("370102", dt.date(1990, 3, 7), 123), "13800000001", roles.CITIZEN),
    ("legal_rep", "李四", demo.id_number("370202", dt.date(1978, 11, 2), 211), "13800000002", roles.CITIZEN),
    ("agent", "王芳", demo.id_number("370602", dt.date(1995, 6, 18), 342), "13800000003", roles.CITIZEN),
    ("clerk", "赵敏", demo.id_number("370103", dt.date(1988, 1, 20), 64), "13800000004", roles.CLERK),
    ("reviewer", "陈强", demo.id_number("370112", dt.date(1984, 9, 9), 75), "13800000005", roles.REVIEWER),
    ("item_admin", "刘洋", demo.id_number("370302", dt.date(1986, 4, 30), 91), "13800000006", roles.ITEM_ADMIN),
    ("health_officer", "孙静", demo.id_number("370702", dt.date(1982, 12, 12), 108), "13800000007", roles.HEALTH_OFFICER),
    ("auditor", "周杰", demo.id_number("370802", dt.date(1979, 7, 7), 115), "13800000008", roles.AUDITOR),
    ("checkpoint", "吴磊", demo.id_number("370203", dt.date(1990, 8, 8), 151), "13800000010", roles.CHECKPOINT),
    ("venue_manager", "郑丽", demo.id_number("370102", dt.date(1987, 2, 14), 162), "13800000011", roles.VENUE_MANAGER),
    ("dispatcher", "钱佳", demo.id_number("370102", dt.date(1991, 10, 1), 173), "13800000012", roles.DISPATCHER),
    ("superuser", "管理员", demo.id_number("370902", dt.date(1975, 5, 5), 133), "13800000009", None),
]
DEMO_ORGANISATION = {
    "credit_code": demo.credit_code("370202", 1),
    "name": "青岛齐鲁示范科技有限公司",
    "kind": "有限责任公司",
    "registered_on": "2015-06-01",
}
STAFF_ROLES = {roles.CLERK, roles.REVIEWER, roles.ITEM_ADMIN, roles.HEALTH_OFFICER, roles.AUDITOR, roles.CHECKPOINT, roles.DISPATCHER}


def seed_activity(users: dict) -> None:
    """So that every role's first screen has something to act on (each step only on a fresh database):
    applications waiting in the reviewer's workbench, an appeal for the health officer, a 14-day
    history in the statistics chart, and a clerk's check of 张三's ID card in his "who used my data".
    Done through the use cases a person would trigger, so they are audited like real activity."""
    from credentials.models import Credential, Verification
    from credentials.services import presentation_create, presentation_verify
    from healthcode.demo import seed_history
    from healthcode.models import Appeal
    from healthcode.services import appeal_submit
    from services.models import Application, ServiceItem
    from services.selectors import prefill
    from services.services.applications import application_submit

    zhang = users["citizen"]
    if not Application.objects.filter(applicant=zhang).exists():
        for code, extra in (("GA-001", {"delivery_address": "山东省济南市历下区泉城路100号"}),
                            ("GA-002", {"delivery_address": "山东省济南市历下区泉城路100号", "reason": "驾驶证遗失"})):
            item = ServiceItem.objects.get(code=code)
            application_submit(actor=zhang, item=item, data={**prefill(item.current_version, zhang), **extra}, idempotency_key=f"demo-{code}")
    if not Appeal.objects.exists():
        appeal_submit(actor=users["agent"], reason="我已于昨日完成核酸检测，结果为阴性，申请复核健康码颜色。", evidence="检测机构：济南市第一人民医院")
    seed_history()
    card = Credential.objects.filter(type__code="id_card", holder_index=zhang.id_number_index).first()
    if card is not None and not Verification.objects.filter(credential=card).exists():
        shown = presentation_create(actor=zhang, credential=card, disclose=["gender", "birth_date"])
        presentation_verify(actor=users["clerk"], token=shown.token)
    seed_ratings(users)
    from appeals.demo import seed_cases
    from benefits.demo import seed_benefits

    seed_cases(users)
    seed_benefits(users)  # 免申即享: three policies drafted, published by a second person, matched


def seed_ratings(users: dict) -> None:
    """好差评 on the board and a bad rating in the reviewer's 差评整改 queue: 李四 (whose driving
    licence is pushed here) had one renewal approved and rated it 非常满意, and another rejected
    and rated it 不满意, which opened a case with working-day deadlines."""
    import datetime as dt

    from credentials.demo import seed_types
    from credentials.services import credential_issue
    from services.models import Application, Rating, ServiceItem
    from services.selectors import prefill
    from services.services.applications import application_submit
    from services.services.ratings import rating_submit
    from services.services.workflow import application_claim, application_review

    if Rating.objects.exists():
        return
    li, reviewer = users["legal_rep"], users["reviewer"]
    licence = {"licence_number": li.id_number, "licence_class": "C1", "first_issued": "2004-09-20", "file_number": "370200654321"}
    credential_issue(actor=seed_types()["SD-GAT"], data={
        "type": "driving_licence", "record_id": "DL-" + li.id_number[-6:], "holder_number": li.id_number, "holder_name": li.name,
        "issued_on": dt.date.today() - dt.timedelta(days=700), "fields": {**licence, "address": "山东省青岛市市南区香港中路8号"}})
    for code, decision, level, tags, comment in (
            ("GA-001", "approve", 5, ["no_trip", "fast"], "网上就办完了，一次都没跑。"),
            ("GA-001", "reject", 2, ["unclear_guide"], "照片要求没写清楚，白跑了一趟。")):
        item = ServiceItem.objects.get(code=code)
        data = {**licence, **prefill(item.current_version, li), "delivery_address": "山东省青岛市市南区香港中路8号"}
        submitted = application_submit(actor=li, item=item, data=data, idempotency_key=f"demo-rating-{decision}")
        application = application_claim(actor=reviewer, application=Application.objects.get(pk=submitted.application.pk))
        if decision == "approve":
            application = application_review(actor=reviewer, application=application, action="accept")
        application = application_review(actor=reviewer, application=application, action=decision,
                                         comment="" if decision == "approve" else "照片背景须为白色，请按指南重新提交。")
        rating_submit(actor=li, application=application, level=level, tags=tags, comment=comment)


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=200, help="extra synthetic people in the population base")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the portal is served (make run passes its HOST and PORT)")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, citizens, quiet, **options):
        if settings.IS_PROD:  # the accounts below have the README's password and authenticator secret
            raise CommandError("seed_demo refuses to run with QILU_ENV=prod: its accounts' password and authenticator secret are public. "
                               "Nothing was written.")
        self.seed(citizens=citizens, quiet=quiet, url=options["url"])

    @transaction.atomic
    def seed(self, *, citizens: int, quiet: bool, url: str):
        roles.sync_roles()
        department, _ = Department.objects.get_or_create(code="SD-ZWFW", defaults={"name": "山东省政务服务中心", "area_code": "370000"})
        hall, _ = ServiceHall.objects.get_or_create(
            department=department, name="济南市历下区政务服务大厅", defaults={"address": "济南市历下区龙奥北路1号"}
        )
        base_records_import(actor=SYSTEM, kind="people", rows=[{"id_number": p[2], "name": p[1]} for p in DEMO_PEOPLE] + demo.people(citizens))
        users = {}
        for key, name, number, phone, role in DEMO_PEOPLE:
            user = User.objects.filter(id_number_index=id_number_index(number)).first()
            if user is None:
                user = User.objects.create_user(number, name, PASSWORD, real_name_verified_at=timezone.now())
                user.set_phone(phone, verified=True)
                if role in STAFF_ROLES:
                    user.is_staff = role in (roles.ITEM_ADMIN, roles.HEALTH_OFFICER, roles.AUDITOR)
                    user.department = Department.objects.get_or_create(code="SD-GAT", defaults={"name": "山东省公安厅", "area_code": "370000"})[0] \
                        if role == roles.REVIEWER else department
                    user.service_hall = hall if role == roles.CLERK else None
                if key == "superuser":
                    user.is_staff = user.is_superuser = True
                user.save()
                if role:
                    user.groups.add(Group.objects.get(name=role))
                if role in second_factor.ROLES or user.is_superuser:
                    TOTP.activate(user, demo.DEMO_TOTP_SECRET)  # staff sign in with a second factor
            users[key] = user
        legal_rep = users["legal_rep"]
        base_records_import(
            actor=SYSTEM,
            kind="entities",
            rows=[{**DEMO_ORGANISATION, "legal_representative_name": legal_rep.name, "legal_representative_id_number": legal_rep.id_number}],
        )
        organisation, _ = Organisation.objects.get_or_create(
            credit_code=DEMO_ORGANISATION["credit_code"], defaults={"name": DEMO_ORGANISATION["name"], "legal_representative": legal_rep}
        )
        if not organisation.agents.filter(agent=users["agent"]).exists():
            AgentAuthorisation.objects.create(
                organisation=organisation,
                agent=users["agent"],
                scopes=[AgentScope.APPLY, AgentScope.VIEW_CREDENTIALS],
                valid_until=timezone.now() + dt.timedelta(days=365),
                granted_by=legal_rep,
            )
        seed_credentials(users, organisation)
        seed_relying_parties(users)
        seed_readers()  # 鲁通码: a reader and a terminal per scenario
        seed_health(users)
        seed_catalogue()
        seals.authority_create(actor=SYSTEM)  # a local seal hierarchy: result documents and 盖章版 credentials are sealed PDFs
        for department in Department.objects.all():  # every department the demo made
            seals.seal_issue(actor=SYSTEM, department=department)
        seed_activity(users)
        seed_knowledge(author=users["item_admin"], reviewer=users["superuser"])  # 智能问答: 50+ articles and the search index
        if not quiet:
            self.print_sign_ins(demo.people(1)[0], url.rstrip("/"))

    def print_sign_ins(self, newcomer: dict, url: str):
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at {url}/accounts/login/"))
        self.stdout.write(f"Every demo account's password: {PASSWORD}   (or sign in by phone; codes appear in admin → 短信发件箱)")
        self.stdout.write(f"Staff then give an authenticator code: `make demo-code` prints it (secret {demo.DEMO_TOTP_SECRET} for an authenticator app)")
        for key, name, number, phone, role in DEMO_PEOPLE:
            self.stdout.write(f"  {key:<15} {name:<4} ID {number}  phone {phone}  role {role or 'superuser'}")
        self.stdout.write(f"  organisation     {DEMO_ORGANISATION['name']} {DEMO_ORGANISATION['credit_code']} (legal rep 李四, agent 王芳)")
        self.stdout.write("  wallet: sign in as citizen → /wallet/ → a credential → 生成亮证码; as clerk → /verify/ → paste the code")
        self.stdout.write("  health pass: citizen → /health/; checkpoint (吴磊) → /health/check/; venue_manager (郑丽) → /health/venues/; "
                          "health_officer (孙静) → /health/stats/ and admin (rules, risk areas, appeals)")
        self.stdout.write("  services: citizen → /services/ (search 驾驶证 or 备案: JT-001 is 秒批); reviewer (陈强, 公安厅) → /services/workbench/; "
                          "clerk (赵敏) → /services/counter/")
        self.stdout.write("  cases (诉求): citizen → /cases/new/; dispatcher (钱佳) → /cases/staff/dispatch/; reviewer (陈强) → /cases/staff/ "
                          "(a yellow and a red card); scores on /yardsticks/")
        self.stdout.write(f"  issuing systems (push API): Bearer demo-sd-gat.{DEMO_ISSUER_SECRET} (also demo-sd-rst, demo-sd-scjg, demo-sd-mzt, demo-sd-jyt)")
        self.stdout.write(f"  Sign up as a new person (in the population base, no account yet): {newcomer['name']} {newcomer['id_number']}")
