"""make test's two-worker schedule (tests/conftest.py): every production-stack file is in one work unit,
handed out first, so no two production stacks ever run at once; every other file is its own unit."""

from types import SimpleNamespace

import pytest

from tests import conftest


class _Worker:
    shutting_down = False

    def __init__(self, name):
        self.sent = []
        self.gateway = SimpleNamespace(id=name)

    def send_runtest_some(self, indices):
        self.sent.append(list(indices))

    def shutdown(self):
        self.shutting_down = True


COLLECTION = [
    "tests/appeals/test_a.py::test_1", "tests/appeals/test_a.py::test_2", "tests/appeals/test_a.py::test_3",
    "tests/core/test_b.py::test_1", "tests/core/test_b.py::test_2", "tests/core/test_b.py::test_3", "tests/core/test_b.py::test_4",
    "tests/production/test_smoke.py::test_1", "tests/production/test_redis_failover.py::test_1",
    "tests/production/test_patroni.py::test_1", "tests/services/test_c.py::test_1",
]


def _scheduled(dist="loadfile"):
    options = SimpleNamespace(dist=dist, tx=["2*popen"], loadscopereorder=True)
    config = SimpleNamespace(option=options, getoption=lambda name: getattr(options, name), getvalue=lambda name: getattr(options, name))
    scheduler = conftest.pytest_xdist_make_scheduler(config, None)
    if scheduler is None:
        return None, None
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
        scheduler.add_node_collection(worker, COLLECTION)
    scheduler.schedule()
    return scheduler, workers


def test_the_production_files_are_one_unit_handed_out_first():
    scheduler, (first, second) = _scheduled()
    production = [i for i, nodeid in enumerate(COLLECTION) if nodeid.startswith("tests/production/")]
    assert first.sent[0] == production  # one worker takes every production file, in collection order
    assert all(index not in production for batch in second.sent for index in batch)
    assert all(index not in production for batch in first.sent[1:] for index in batch)
    units = [*(scope for assigned in scheduler.assigned_work.values() for scope in assigned), *scheduler.workqueue]
    assert sorted(units) == ["tests/appeals/test_a.py", "tests/core/test_b.py", "tests/production/", "tests/services/test_c.py"]


@pytest.mark.parametrize("dist", ["load", "loadscope", "no"])
def test_other_distribution_modes_keep_xdist_s_own_scheduler(dist):
    assert _scheduled(dist) == (None, None)
