"""The demo catalogue's data (for ``make run``, tests and ``seed_demo``): regions, themes and life
events, the departments, 32 items with their guides, forms, materials and 秒批 rules, the result
types, fees and 一件事 bundles. Only literals here; ``services/demo.py`` loads them."""

from __future__ import annotations

REGIONS = [
    ("370000", "山东省", "province", None),
    ("370100", "济南市", "city", "370000"),
    ("370200", "青岛市", "city", "370000"),
    ("370102", "历下区", "county", "370100"),
    ("370202", "市南区", "county", "370200"),
]


THEMES = ["户籍办理", "交通出行", "社会保障", "婚姻登记", "教育", "医疗卫生", "住房", "企业开办", "税务", "公积金"]


LIFE_EVENTS = ["出生", "上学", "就业", "结婚", "购房", "开车", "创业", "退休"]


DEPARTMENTS = {
    "SD-GAT": "山东省公安厅",
    "SD-RST": "山东省人力资源和社会保障厅",
    "SD-SCJG": "山东省市场监督管理局",
    "SD-MZT": "山东省民政厅",
    "SD-JYT": "山东省教育厅",
    "SD-JTT": "山东省交通运输厅",
    "SD-ZJT": "山东省住房和城乡建设厅",
    "SD-WJW": "山东省卫生健康委员会",
    "SD-YBJ": "山东省医疗保障局",
    "SD-GJJ": "济南住房公积金中心",
}


# English names (the official names stay Chinese; pages in English show these)
THEMES_EN = {"户籍办理": "Household registration", "交通出行": "Transport", "社会保障": "Social security", "婚姻登记": "Marriage registration",
             "教育": "Education", "医疗卫生": "Health care", "住房": "Housing", "企业开办": "Starting a business", "税务": "Taxes",
             "公积金": "Housing provident fund"}


LIFE_EVENTS_EN = {"出生": "Having a baby", "上学": "Going to school", "就业": "Getting a job", "结婚": "Getting married", "购房": "Buying a home",
                  "开车": "Driving", "创业": "Starting a business", "退休": "Retiring"}


DEPARTMENTS_EN = {
    "SD-GAT": "Shandong Provincial Department of Public Security", "SD-RST": "Shandong Provincial Department of Human Resources and Social Security",
    "SD-SCJG": "Shandong Provincial Administration for Market Regulation", "SD-MZT": "Shandong Provincial Department of Civil Affairs",
    "SD-JYT": "Shandong Provincial Department of Education", "SD-JTT": "Shandong Provincial Department of Transport",
    "SD-ZJT": "Shandong Provincial Department of Housing and Urban-Rural Development", "SD-WJW": "Shandong Provincial Health Commission",
    "SD-YBJ": "Shandong Provincial Healthcare Security Administration", "SD-GJJ": "Jinan Housing Provident Fund Center",
    "SD-ZWFW": "Shandong Provincial Government Service Center",
}


ITEMS_EN = {
    "GA-001": "Driving licence renewal on expiry", "GA-002": "Driving licence replacement", "GA-003": "Resident ID card renewal",
    "GA-004": "Household registration transfer (within the city)", "GA-005": "Newborn birth registration", "GA-006": "Vehicle licence replacement",
    "GA-007": "Certificate of no criminal record", "JT-001": "Road transport vehicle filing", "JT-002": "Taxi driver qualification registration",
    "RS-001": "Social insurance registration for flexible workers", "RS-002": "Unemployment benefit claim", "RS-003": "Social security card replacement",
    "RS-004": "Retirement application", "RS-005": "Employment registration for graduates", "RS-006": "Vocational skill certificate lookup and print",
    "SC-001": "Sole proprietorship registration", "SC-002": "Company name change registration", "SC-003": "Company address change registration",
    "SC-004": "Food business licence", "SC-005": "Simplified company deregistration", "MZ-001": "Marriage registration (mainland residents)",
    "MZ-002": "Marriage record lookup", "MZ-003": "Old-age allowance for the very elderly", "JY-001": "Compulsory education school enrolment",
    "JY-002": "Academic degree verification", "JY-003": "Teacher qualification certification", "ZJ-001": "Online filing of a home purchase contract",
    "ZJ-002": "Public rental housing application", "WJ-001": "Birth medical certificate replacement", "WJ-002": "Physician practice registration",
    "YB-001": "Registration for medical treatment in another province", "YB-002": "Outpatient chronic disease benefit recognition",
    "GJ-001": "Housing provident fund withdrawal (renting)",
}


RESULT_TYPES = [
    (
        "transport_filing",
        "道路运输车辆备案证明",
        "SD-JTT",
        "101",
        [{"key": "plate_number", "label": "号牌号码"}, {"key": "vehicle_type", "label": "车辆类型"}, {"key": "operator", "label": "经营者"}],
    ),
    ("insurance_proof", "社会保险参保证明", "SD-RST", "101", [{"key": "insurance_type", "label": "险种"}, {"key": "start_month", "label": "参保起始年月"}]),
]


ID_CARD = ("居民身份证", "credential", "id_card")


HOUSEHOLD = ("居民户口簿", "credential", "household_register")


DRIVING = ("机动车驾驶证", "credential", "driving_licence")


VEHICLE = ("机动车行驶证", "credential", "vehicle_licence")


MARRIAGE = ("结婚证", "credential", "marriage_certificate")


BUSINESS = ("营业执照", "credential", "business_licence")


SOCIAL = ("社会保障卡", "credential", "social_security_card")


DEGREE = ("学位证书", "credential", "degree_certificate")


def upload(name, required=True):
    return (name, "upload", None, required)


F_NAME = {"key": "applicant_name", "label": "申请人姓名", "type": "text", "prefill": "identity.name"}


F_ID = {"key": "applicant_id_number", "label": "身份证号码", "type": "id_number", "prefill": "identity.id_number"}


F_PHONE = {"key": "phone", "label": "联系电话", "type": "phone", "prefill": "identity.phone"}


F_ADDRESS = {"key": "delivery_address", "label": "邮寄地址", "type": "text", "help": "结果证件邮寄到此地址，不用跑窗口"}


F_REASON = {"key": "reason", "label": "申请事由", "type": "textarea"}


# code, name, dept, keywords, themes, life events, applicant, online, high-frequency, days, materials, extra fields, rules, result
ITEMS = [
    (
        "GA-001",
        "机动车驾驶证期满换证",
        "SD-GAT",
        "驾照 换证 到期",
        ["交通出行"],
        ["开车"],
        "person",
        True,
        True,
        5,
        [ID_CARD, DRIVING, upload("身体条件证明", required=False)],
        [
            {"key": "licence_number", "label": "驾驶证号", "type": "id_number", "prefill": "credential:driving_licence.licence_number"},
            {
                "key": "licence_class",
                "label": "准驾车型",
                "type": "choice",
                "choices": ["A1", "A2", "B1", "B2", "C1", "C2", "D", "E"],
                "prefill": "credential:driving_licence.licence_class",
            },
            {"key": "first_issued", "label": "初次领证日期", "type": "date", "prefill": "credential:driving_licence.first_issued"},
            {"key": "file_number", "label": "档案编号", "type": "text", "prefill": "credential:driving_licence.file_number"},
            F_PHONE,
            F_ADDRESS,
        ],
        [],
        "driving_licence",
    ),
    (
        "GA-002",
        "机动车驾驶证补领",
        "SD-GAT",
        "驾照 丢失 补办",
        ["交通出行"],
        ["开车"],
        "person",
        True,
        True,
        3,
        [ID_CARD, DRIVING],
        [F_PHONE, F_ADDRESS, F_REASON],
        [],
        None,
    ),
    (
        "GA-003",
        "居民身份证换领",
        "SD-GAT",
        "身份证 到期 换证",
        ["户籍办理"],
        [],
        "person",
        False,
        True,
        30,
        [HOUSEHOLD, upload("数码相片回执")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "GA-004",
        "户口迁移（市内）",
        "SD-GAT",
        "户口 迁移 落户",
        ["户籍办理"],
        ["购房", "就业"],
        "person",
        True,
        True,
        10,
        [ID_CARD, HOUSEHOLD, upload("房屋产权证明或租赁备案")],
        [F_PHONE, {"key": "new_address", "label": "迁入地址", "type": "text"}],
        [],
        None,
    ),
    (
        "GA-005",
        "新生儿出生登记",
        "SD-GAT",
        "出生 落户 上户口 新生儿",
        ["户籍办理"],
        ["出生"],
        "person",
        True,
        True,
        5,
        [ID_CARD, HOUSEHOLD, MARRIAGE, upload("出生医学证明")],
        [{"key": "baby_name", "label": "新生儿姓名", "type": "text"}, {"key": "birth_date", "label": "出生日期", "type": "date"}, F_PHONE],
        [],
        None,
    ),
    (
        "GA-006",
        "机动车行驶证补领",
        "SD-GAT",
        "行驶证 丢失",
        ["交通出行"],
        ["开车"],
        "person",
        True,
        False,
        3,
        [ID_CARD, VEHICLE],
        [F_PHONE, F_ADDRESS],
        [],
        None,
    ),
    (
        "GA-007",
        "无犯罪记录证明开具",
        "SD-GAT",
        "无犯罪 证明 出国 就业",
        ["户籍办理"],
        ["就业"],
        "person",
        True,
        True,
        3,
        [ID_CARD],
        [F_PHONE, {"key": "purpose", "label": "用途", "type": "choice", "choices": ["就业", "出国（境）", "其他"]}],
        [],
        None,
    ),
    (
        "JT-001",
        "道路运输车辆备案",
        "SD-JTT",
        "运输 备案 营运车辆 秒批",
        ["交通出行", "企业开办"],
        ["创业"],
        "person",
        True,
        True,
        1,
        [ID_CARD, VEHICLE],
        [
            {"key": "plate_number", "label": "号牌号码", "type": "text", "prefill": "credential:vehicle_licence.plate_number"},
            {"key": "vehicle_type", "label": "车辆类型", "type": "text", "prefill": "credential:vehicle_licence.vehicle_type"},
            {"key": "operator", "label": "经营者", "type": "text", "prefill": "identity.name"},
            {"key": "seats", "label": "核定座位数", "type": "number", "min": 1, "max": 60},
        ],
        [
            {"name": "持有有效的机动车行驶证", "kind": "credential_valid", "type": "vehicle_licence"},
            {"name": "持有有效的居民身份证", "kind": "credential_valid", "type": "id_card"},
            {"name": "核定座位数不超过9座", "kind": "field", "field": "seats", "op": "lte", "value": 9},
            {"name": "申请人年满18周岁", "kind": "applicant_age", "op": "gte", "value": 18},
        ],
        "transport_filing",
    ),
    (
        "JT-002",
        "出租汽车驾驶员从业资格注册",
        "SD-JTT",
        "出租车 网约车 从业资格",
        ["交通出行"],
        ["就业"],
        "person",
        True,
        False,
        10,
        [ID_CARD, DRIVING, upload("无犯罪记录证明")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "RS-001",
        "灵活就业人员参保登记",
        "SD-RST",
        "社保 参保 灵活就业 秒批",
        ["社会保障"],
        ["就业"],
        "person",
        True,
        True,
        1,
        [ID_CARD, SOCIAL],
        [
            {"key": "insurance_type", "label": "险种", "type": "choice", "choices": ["企业职工基本养老保险", "职工基本医疗保险"]},
            {"key": "start_month", "label": "参保起始年月", "type": "text", "pattern": r"\d{4}-\d{2}", "pattern_message": "如 2026-12"},
            F_PHONE,
        ],
        [
            {"name": "持有有效的社会保障卡", "kind": "credential_valid", "type": "social_security_card"},
            {"name": "申请人年满16周岁", "kind": "applicant_age", "op": "gte", "value": 16},
        ],
        "insurance_proof",
    ),
    (
        "RS-002",
        "失业保险金申领",
        "SD-RST",
        "失业 保险金",
        ["社会保障"],
        ["就业"],
        "person",
        True,
        True,
        10,
        [ID_CARD, SOCIAL, upload("解除劳动合同证明")],
        [F_PHONE, F_REASON],
        [],
        None,
    ),
    ("RS-003", "社会保障卡补换", "SD-RST", "社保卡 补办 换卡", ["社会保障"], [], "person", True, True, 5, [ID_CARD], [F_PHONE, F_ADDRESS], [], None),
    (
        "RS-004",
        "职工退休申请",
        "SD-RST",
        "退休 养老金",
        ["社会保障"],
        ["退休"],
        "person",
        True,
        False,
        20,
        [ID_CARD, SOCIAL, upload("档案材料")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "RS-005",
        "高校毕业生就业登记",
        "SD-RST",
        "毕业生 就业 报到",
        ["教育", "社会保障"],
        ["就业"],
        "person",
        True,
        True,
        5,
        [ID_CARD, DEGREE, upload("劳动合同")],
        [F_PHONE],
        [],
        None,
    ),
    ("RS-006", "职业技能等级证书查询打印", "SD-RST", "技能 证书", ["教育"], ["就业"], "person", True, False, 1, [ID_CARD], [F_PHONE], [], None),
    (
        "SC-001",
        "个体工商户设立登记",
        "SD-SCJG",
        "个体户 开店 营业执照",
        ["企业开办"],
        ["创业"],
        "person",
        True,
        True,
        3,
        [ID_CARD, upload("经营场所证明")],
        [{"key": "shop_name", "label": "个体户名称", "type": "text"}, {"key": "business_scope", "label": "经营范围", "type": "textarea"}, F_PHONE],
        [],
        None,
    ),
    (
        "SC-002",
        "企业名称变更登记",
        "SD-SCJG",
        "企业 变更 名称",
        ["企业开办"],
        [],
        "organisation",
        True,
        False,
        3,
        [BUSINESS, upload("股东会决议")],
        [{"key": "new_name", "label": "变更后名称", "type": "text"}],
        [],
        None,
    ),
    (
        "SC-003",
        "企业住所变更登记",
        "SD-SCJG",
        "企业 变更 地址 住所",
        ["企业开办"],
        [],
        "organisation",
        True,
        False,
        3,
        [BUSINESS, upload("住所使用证明")],
        [{"key": "new_address", "label": "变更后住所", "type": "text"}],
        [],
        None,
    ),
    (
        "SC-004",
        "食品经营许可",
        "SD-SCJG",
        "食品 许可 餐饮",
        ["企业开办"],
        ["创业"],
        "organisation",
        True,
        True,
        10,
        [BUSINESS, upload("经营场所平面图")],
        [{"key": "category", "label": "经营项目", "type": "choice", "choices": ["预包装食品销售", "热食类食品制售", "冷食类食品制售"]}],
        [],
        None,
    ),
    ("SC-005", "企业简易注销登记", "SD-SCJG", "注销 企业", ["企业开办"], [], "organisation", True, False, 20, [BUSINESS], [F_REASON], [], None),
    (
        "MZ-001",
        "内地居民婚姻登记（结婚）",
        "SD-MZT",
        "结婚 登记 领证 预约",
        ["婚姻登记"],
        ["结婚"],
        "person",
        False,
        True,
        1,
        [ID_CARD, HOUSEHOLD, upload("双方合照")],
        [
            {"key": "partner_name", "label": "另一方姓名", "type": "text"},
            {"key": "partner_id_number", "label": "另一方身份证号码", "type": "id_number"},
            {"key": "date", "label": "预约日期", "type": "date"},
        ],
        [],
        None,
    ),
    (
        "MZ-002",
        "婚姻登记档案查询",
        "SD-MZT",
        "婚姻 档案 查询 证明",
        ["婚姻登记"],
        ["结婚", "购房"],
        "person",
        True,
        True,
        3,
        [ID_CARD],
        [F_PHONE, F_REASON],
        [],
        None,
    ),
    ("MZ-003", "高龄津贴申领", "SD-MZT", "老人 津贴 高龄", ["社会保障"], ["退休"], "person", True, False, 15, [ID_CARD, HOUSEHOLD], [F_PHONE], [], None),
    (
        "JY-001",
        "义务教育阶段入学登记",
        "SD-JYT",
        "入学 小学 初中 上学",
        ["教育"],
        ["上学"],
        "person",
        True,
        True,
        15,
        [ID_CARD, HOUSEHOLD, upload("房产证明或居住证明")],
        [{"key": "child_name", "label": "学生姓名", "type": "text"}, {"key": "child_id_number", "label": "学生身份证号码", "type": "id_number"}, F_PHONE],
        [],
        None,
    ),
    ("JY-002", "学历学位认证", "SD-JYT", "学历 学位 认证", ["教育"], ["就业"], "person", True, False, 10, [ID_CARD, DEGREE], [F_PHONE], [], None),
    (
        "JY-003",
        "教师资格认定",
        "SD-JYT",
        "教师资格证",
        ["教育"],
        ["就业"],
        "person",
        True,
        False,
        20,
        [ID_CARD, DEGREE, upload("体检报告"), upload("普通话证书")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "ZJ-001",
        "商品房买卖合同网签备案",
        "SD-ZJT",
        "购房 网签 备案",
        ["住房"],
        ["购房"],
        "person",
        True,
        True,
        3,
        [ID_CARD, MARRIAGE, upload("购房合同")],
        [{"key": "property_address", "label": "房屋坐落", "type": "text"}, F_PHONE],
        [],
        None,
    ),
    (
        "ZJ-002",
        "公共租赁住房申请",
        "SD-ZJT",
        "公租房 住房保障",
        ["住房"],
        ["就业"],
        "person",
        True,
        False,
        30,
        [ID_CARD, HOUSEHOLD, upload("收入证明")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "WJ-001",
        "出生医学证明补发",
        "SD-WJW",
        "出生证明 补办",
        ["医疗卫生"],
        ["出生"],
        "person",
        True,
        False,
        10,
        [ID_CARD, upload("住院病历")],
        [F_PHONE, F_ADDRESS],
        [],
        None,
    ),
    (
        "WJ-002",
        "医师执业注册",
        "SD-WJW",
        "医师 执业",
        ["医疗卫生"],
        ["就业"],
        "person",
        True,
        False,
        20,
        [ID_CARD, DEGREE, upload("医师资格证书")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "YB-001",
        "异地就医备案",
        "SD-YBJ",
        "医保 异地 就医 备案",
        ["医疗卫生", "社会保障"],
        [],
        "person",
        True,
        True,
        1,
        [ID_CARD, SOCIAL],
        [{"key": "destination", "label": "就医地", "type": "text"}, {"key": "from_date", "label": "开始日期", "type": "date"}, F_PHONE],
        [],
        None,
    ),
    (
        "YB-002",
        "门诊慢特病待遇认定",
        "SD-YBJ",
        "慢性病 门诊 医保",
        ["医疗卫生"],
        [],
        "person",
        True,
        False,
        15,
        [ID_CARD, SOCIAL, upload("诊断证明")],
        [F_PHONE],
        [],
        None,
    ),
    (
        "GJ-001",
        "住房公积金提取（租房）",
        "SD-GJJ",
        "公积金 提取 租房",
        ["公积金", "住房"],
        ["就业"],
        "person",
        True,
        True,
        3,
        [ID_CARD, upload("租赁合同", required=False)],
        [{"key": "amount", "label": "提取金额（元）", "type": "number", "min": 1, "max": 20000}, {"key": "bank_card", "label": "收款银行卡号", "type": "text"}],
        [],
        None,
    ),
]


# Items the cities and counties handle (the rest are province-level): the yardstick counts them apart.
ITEM_REGIONS = {"ZJ-001": "370100", "ZJ-002": "370200", "JY-001": "370102", "MZ-003": "370102"}


# Items that charge a fee (in fen), paid online before review (payments/): the statutory 工本费.
FEES = {"GA-003": (2000, "工本费20元"), "GA-006": (1000, "工本费10元")}


# 一件事: (code, name, English name, description, [(item, the item it waits for)])
BUNDLES = [
    ("newborn", "新生儿出生一件事", "A baby is born", "出生医学证明、户口登记、社保卡一次申请，按顺序办理。",
     [("WJ-001", None), ("GA-005", "WJ-001"), ("RS-003", "GA-005")]),
    ("start-business", "开办个体工商户一件事", "Start a sole proprietorship", "营业登记与灵活就业参保一次申请。",
     [("SC-001", None), ("RS-001", "SC-001")]),
    ("retirement", "退休一件事", "Retire", "退休申请与异地就医备案一次申请。", [("RS-004", None), ("YB-001", "RS-004")]),
]
