import pytest

from devtools.stack import Stack


@pytest.fixture(scope="module")
def stack():
    started = Stack()
    try:
        yield started.start()
    finally:
        started.stop()
