"""Every masked display goes through the one masking table (identity.masking): no page, view,
serializer or service masks a name, ID number or phone by hand. The allow-list names each exception
and why; a new hand-made mask fails here. Also the table's rows: staff names are masked to citizens,
and the API document's masked examples are what the masking functions return."""

import re
from pathlib import Path

from core.openapi import EXAMPLES, IN_CONTEXT
from core.packages import our_apps
from core.people import mask_id_number, mask_name, mask_phone
from identity import masking
from identity.masking import Viewer

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [*our_apps(), "templates"]  # our apps (core.packages.our_apps) and the shared templates
HAND_MASKS = [
    re.compile(r"\bmask_(name|id_number|phone)\("),  # the masking functions, called without a viewer
    re.compile(r"\.masked_(name|id_number|phone)\b"),  # a person's masked_* shortcut, chosen without a viewer
    re.compile(r"\"\*\" \*|\[:1\] \+ \"\*\"|\*{4}"),  # stars put in by hand
]
# (path, text on the line) → why it may mask without the table
ALLOWED = {
    ("core/people.py", ""): "the masking functions themselves",
    ("identity/masking.py", ""): "the table",
    ("identity/models.py", ""): "User.masked_* are defined here, through the table's 'others' row",
    ("core/openapi.py", "mask_"): "API examples computed by the masking functions (core may not import identity)",
    ("core/usecases.py", "masked_name"): "SYSTEM's name, not a person's",
    ("templates/healthcode/pass.html", "shown.masked_name"): "the name as the signed pass carries it (masked by the table's checker row)",
    ("templates/healthcode/checkpoint.html", "verdict.masked_name"): "the name as the scanned pass carries it",
    ("healthcode/api/answers.py", "verdict.masked_name"): "the checkpoint's plain answer: the name as the scanned pass carries it",
}


def _offenders() -> list[str]:
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not any(pattern.search(line) for pattern in HAND_MASKS):
                    continue
                if any(relative == allowed_path and text in line for allowed_path, text in ALLOWED):
                    continue
                found.append(f"{relative}:{number}: {line.strip()[:120]}")
    return found


def test_no_page_view_serializer_or_service_masks_by_hand():
    assert _offenders() == []


def test_the_check_sees_a_hand_made_mask(tmp_path):
    assert any(pattern.search('f"{reviewer.department} {reviewer.masked_name}"') for pattern in HAND_MASKS)
    assert any(pattern.search('{{ check.verifier.masked_name }}') for pattern in HAND_MASKS)
    assert any(pattern.search('name[:1] + "*" * 2') for pattern in HAND_MASKS)


def test_staff_names_are_masked_to_citizens_and_the_system_is_named():
    from core.usecases import SYSTEM
    from identity.models import User

    clerk = User(name="赵敏")
    assert masking.name_of(clerk, viewer=Viewer.CITIZEN) == "赵*"
    assert "name" not in masking.IN_FULL[Viewer.CITIZEN]
    assert masking.name_of(SYSTEM, viewer=Viewer.CITIZEN) == "系统"
    assert masking.name_of(None, viewer=Viewer.CITIZEN) == ""


def test_a_text_answer_prefilled_from_a_personal_field_is_masked_as_that_field():
    schema = [{"key": "operator", "label": "经营者", "type": "text", "prefill": "identity.name"},
              {"key": "plate", "label": "号牌号码", "type": "text", "prefill": "credential:vehicle_licence.plate_number"}]
    answers = dict((key, value) for key, _label, value in masking.shown_answers(schema, {"operator": "张三丰", "plate": "鲁A·D12345"},
                                                                                  viewer=Viewer.REVIEWER))
    assert answers == {"operator": "张*丰", "plate": "鲁A·D12345"}
    holder = dict((key, value) for key, _label, value in masking.shown_answers(schema, {"operator": "张三丰"}, viewer=Viewer.HOLDER))
    assert holder == {"operator": "张三丰"}


def test_the_api_examples_show_what_the_masking_functions_return():
    assert EXAMPLES["masked_id_number"] == mask_id_number(EXAMPLES["id_number"]) == "370102********1238"  # 6 + 4, as the code keeps
    assert EXAMPLES["holder_number"] == mask_id_number(EXAMPLES["id_number"])
    assert EXAMPLES["masked_name"] == mask_name(EXAMPLES["name"])
    assert IN_CONTEXT["Application.data"]["phone"] == mask_phone(IN_CONTEXT["ApplyRequest.data"]["phone"])
    assert IN_CONTEXT["Application.data"]["operator"] == mask_name(IN_CONTEXT["ApplyRequest.data"]["operator"])
