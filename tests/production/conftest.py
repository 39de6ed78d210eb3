import pytest

from devtools.stack import Stack


@pytest.fixture(scope="module")
def stack():
    started = Stack()
    # a loaded CI box can take longer than production's 0.5 s to rank; stays under the Redis client's 1 s socket timeout
    started.env["KNOWLEDGE_SEARCH_TIMEOUT"] = "0.9"
    try:
        yield started.start()
    finally:
        started.stop()
