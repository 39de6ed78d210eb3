import socket
from pathlib import Path

import pytest

from credentials.demo import seed_types
from identity.roles import ITEM_ADMIN, sync_roles
from tests.factories import UserFactory, fresh_signing_key

QUESTIONS = Path(__file__).with_name("questions.tsv")


def labelled_questions() -> list[tuple[str, str]]:
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [tuple(line.split("\t")) for line in lines[1:]]  # the first line names the columns


@pytest.fixture
def knowledge_base(db):
    """The demo catalogue and the demo articles, published, with the search index built from them."""
    from knowledge.demo import seed_knowledge
    from services.demo import seed_catalogue

    fresh_signing_key()
    seed_types()
    seed_catalogue()
    seed_knowledge(author=None, reviewer=None)


@pytest.fixture
def editors(db):
    """Two item admins: one writes, the other reviews."""
    sync_roles()
    return UserFactory(roles=[ITEM_ADMIN], is_staff=True, name="刘洋"), UserFactory(roles=[ITEM_ADMIN], is_staff=True, name="马丽")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket to anywhere fails the test: retrieval must work offline. (The
    database and cache connections are opened before this fixture; a new one would be refused too.)"""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network use is not allowed in retrieval")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts
