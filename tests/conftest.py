"""Shared fixtures: a real knowledge store, action server and Rasa server."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bot.knowledge import KnowledgeRepository
from bot.knowledge.loader import build
from tests.support import servers


# Fixtures that start the real action server (and with it, usually a Rasa server).
SERVER_FIXTURES = {"action_url", "rasa_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a real server `e2e`, so `make test-fast` can leave them out."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fanzha")


@pytest.fixture(scope="session")
def database_url(workdir: Path) -> str:
    """A freshly built knowledge store in a SQLite file."""
    url = f"sqlite:///{workdir / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture(scope="session")
def repository(database_url: str) -> Iterator[KnowledgeRepository]:
    repo = KnowledgeRepository(database_url)
    yield repo
    repo.dispose()


@pytest.fixture
def actions_store(monkeypatch, database_url: str) -> Iterator[None]:
    """Point the actions' shared repository at the test store (for actions run in-process)."""
    import actions.store

    monkeypatch.setenv("DATABASE_URL", database_url)
    actions.store.repository.dispose()
    yield
    actions.store.repository.dispose()


@pytest.fixture(scope="session")
def action_url(workdir: Path, database_url: str) -> Iterator[str]:
    with servers.action_server(workdir, {"DATABASE_URL": database_url}) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_url(workdir: Path, action_url: str) -> Iterator[str]:
    """A Rasa server with the REST channel, talking to the real action server."""
    with servers.rasa_server(workdir, action_url) as url:
        yield url


def post_json(url: str, payload: dict, timeout: float = 30) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


@pytest.fixture
def chat(rasa_url: str):
    """Send one message over the REST channel; returns the bot's reply texts."""

    def send(sender: str, message: str) -> list[str]:
        replies = post_json(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
        return [r.get("text", "") for r in replies]

    return send
