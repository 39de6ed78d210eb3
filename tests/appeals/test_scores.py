"""Scores equal hand-computed figures: a department with 4 cases dispatched in November 2026 — 3
accepted within the return window, 1 after it; 3 called back, 2 solved, 1 satisfied — has
响应率 3/4, 解决率 2/3, 满意率 1/3, and with the default weights (0.2, 0.4, 0.4) a score of
100 × (0.2·0.75 + 0.4·0.6667 + 0.4·0.3333) = 55.0; other weights from the setting. A case
dispatched in October counts in October."""

import datetime as dt

import pytest

from appeals.models import Status
from appeals.scores import department_scores
from tests.appeals.conftest import SHANGHAI


def _at(day, hour=10):
    return dt.datetime(2026, 11, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def november(make_case, dept, other_dept):
    for accepted, back, solved, satisfied in ((1, True, True, True), (1, True, True, False), (1, True, False, False), (9, False, None, None)):
        make_case(Status.CLOSED, dispatched_at=_at(2), return_due=_at(4, 23), accepted_at=_at(2 + accepted),
                  called_back_at=_at(12) if back else None, solved=solved, satisfied=satisfied)
    make_case(Status.IN_PROGRESS, dispatched_at=dt.datetime(2026, 10, 30, 9, tzinfo=SHANGHAI), return_due=_at(3, 23), accepted_at=_at(2))
    make_case(Status.IN_PROGRESS, department=other_dept, dispatched_at=_at(20), return_due=_at(24, 23), accepted_at=_at(21))


def test_scores_equal_the_hand_computed_figures(november, dept):
    scores = {s.department: s for s in department_scores(month=dt.date(2026, 11, 1))}
    mine = scores[dept.name]
    assert (mine.dispatched, mine.responded, mine.called_back, mine.solved, mine.satisfied) == (4, 3, 3, 2, 1)
    assert (mine.response_rate, mine.solved_rate, mine.satisfied_rate, mine.score) == (0.75, 0.6667, 0.3333, 55.0)
    assert scores["测试住建局"].score == 100.0  # responded 1/1; nothing called back yet, so only the response rate is weighed
    october = {s.department: s.dispatched for s in department_scores(month=dt.date(2026, 10, 1))}
    assert october == {dept.name: 1}


def test_the_weights_are_a_setting(november, dept, settings):
    settings.QILU_CASE_SCORE_WEIGHTS = {"response": 1, "solved": 0, "satisfied": 0}
    scores = {s.department: s for s in department_scores(month=dt.date(2026, 11, 1))}
    assert scores[dept.name].score == 75.0
