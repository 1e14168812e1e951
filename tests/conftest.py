"""Shared fixtures: a real knowledge store, and the session's one action server and Rasa server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeRepository
from bot.knowledge.loader import build
from deploy import cluster
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.support import config, servers
from tests.support.action_proxy import ActionProxy
from tests.support.background import Snippets
from tests.support.early import Early

LAYERS = ("unit", "channels", "integration", "e2e", "cluster")
# A test not marked with a layer gets one from its fixtures: a real Rasa or action server
# makes it e2e, the chat page's browser or static server integration, anything else unit.
SERVER_FIXTURES = {"action_url", "action_proxy", "rasa", "rasa_url"}
INTEGRATION_FIXTURES = {"browser", "static_page"}
# Tests that drive headless Chromium take seconds each: `slow`, in `make test` but not `make test-fast`.
SLOW_FIXTURES = {"browser"}
SNIPPETS = pytest.StashKey[Snippets]()
EARLY = pytest.StashKey[dict[str, Early]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test its layer, so `make test-fast` can leave out e2e and cluster (and slow); run the
    tests of servers started at collection after the others, to give those servers time to start
    beside them, and the tests of `background` snippets last, to give the snippets the whole session
    to finish."""
    items.sort(key=lambda item: (item.get_closest_marker("background") is not None, bool(_early_fixtures(item))))
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if any(item.get_closest_marker(layer) for layer in LAYERS):
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if SERVER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.e2e)
        elif INTEGRATION_FIXTURES & fixtures:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Start a `background` test's snippet as soon as the test is collected, so it overlaps the rest.

    Not in a pytest-xdist worker (`make test-fast`): every worker collects every test, and would
    start every snippet; there a snippet starts when its test runs.
    """
    if item.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if item.get_closest_marker("background"):
        _start_snippet(item)


def _start_snippet(item: pytest.Item) -> Snippets:
    marker = item.get_closest_marker("background")
    snippets = item.config.stash.setdefault(SNIPPETS, Snippets())
    snippets.start(item.nodeid, *marker.args, **marker.kwargs)
    return snippets


# Session fixtures whose servers start at collection, on a thread each, when a selected test uses
# them: what each one starts, given a folder of its own. They need no other fixture.
EARLY_STARTS = {
    "running": lambda workdir: cluster.cluster(workdir, env=config.CLUSTER_ENV),
    "read_back_rasa": servers.read_back_rasa,
}


def _early_fixtures(item: pytest.Item) -> set[str]:
    return EARLY_STARTS.keys() & set(getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    """End the snippets of tests that were collected but will not run (left out by -m or -k), and
    start the servers of EARLY_STARTS whose tests will run: they load while the other tests run."""
    if snippets := session.config.stash.get(SNIPPETS, None):
        snippets.stop(keep={item.nodeid for item in session.items})
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    for name in sorted(set().union(*(_early_fixtures(item) for item in session.items))):
        if name != "running" or not cluster.missing_packages():
            _start_early(session.config, name)


def _start_early(pytest_config: pytest.Config, name: str) -> Early:
    workdir = Path(tempfile.mkdtemp(prefix=f"fanzha-{name}-"))
    early = pytest_config.stash.setdefault(EARLY, {})[name] = Early(EARLY_STARTS[name](workdir))
    pytest_config.add_cleanup(lambda: shutil.rmtree(workdir, ignore_errors=True))
    pytest_config.add_cleanup(early.close)
    return early


def _early(request: pytest.FixtureRequest) -> object:
    started = request.config.stash.get(EARLY, {})
    name = request.fixturename
    return (started.get(name) or _start_early(request.config, name)).value()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if snippets := session.config.stash.get(SNIPPETS, None):
        snippets.stop()


@pytest.fixture(scope="session")
def running(request: pytest.FixtureRequest) -> cluster.Cluster:
    """The cluster (deploy/cluster.py) of tests/test_cluster.py, started at collection when it can be."""
    return _early(request)


@pytest.fixture(scope="session")
def read_back_rasa(request: pytest.FixtureRequest) -> servers.RasaServer:
    """A second Rasa server that reads every turn back from SQLite, started at collection."""
    return _early(request)


@pytest.fixture
def background(request: pytest.FixtureRequest) -> subprocess.CompletedProcess:
    """How this test's `background` snippet ended (tests/support/background.py)."""
    snippets = request.config.stash.setdefault(SNIPPETS, Snippets())
    if not snippets.started(request.node.nodeid):
        _start_snippet(request.node)
    return snippets.result(request.node.nodeid)


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
def actions_repository(monkeypatch, database_url: str) -> Iterator[None]:
    """Point the actions' shared repository at the test store (for actions run in-process)."""
    import actions.repository

    monkeypatch.setenv("DATABASE_URL", database_url)
    actions.repository.repository.dispose()
    yield
    actions.repository.repository.dispose()


@pytest.fixture(scope="session")
def action_url(workdir: Path, database_url: str) -> Iterator[str]:
    with servers.action_server(workdir, {"DATABASE_URL": database_url}) as url:
        yield url


@pytest.fixture(scope="session")
def action_proxy(action_url: str) -> Iterator[ActionProxy]:
    """Where the Rasa server sends custom actions: on to the real action server unless a test says otherwise."""
    proxy = ActionProxy(action_url, servers.lasting_port())
    yield proxy
    proxy.close()


@pytest.fixture
def faulty_actions(action_proxy: ActionProxy) -> Iterator[ActionProxy]:
    """The action proxy for a test to switch into a fault; passing calls on again afterwards."""
    yield action_proxy
    action_proxy.set_mode("pass")


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(config.TELEGRAM_TOKEN, username=config.TELEGRAM_BOT_NAME) as api:
        yield api


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI(config.WECHAT_APP_ID, config.WECHAT_APP_SECRET) as api:
        yield api


@pytest.fixture(scope="session")
def page_origin() -> str:
    """Where tests serve the chat page: the Rasa server allows this origin (CORS)."""
    return f"http://127.0.0.1:{servers.lasting_port()}"


@pytest.fixture(scope="session")
def rasa(
    workdir: Path,
    action_proxy: ActionProxy,
    telegram_api: FakeTelegramAPI,
    wechat_api: FakeWeChatAPI,
    page_origin: str,
) -> Iterator[servers.RasaServer]:
    """The session's one Rasa server: REST, Telegram and WeChat, an API token, CORS for the page,
    and a debug log (where Rasa prints every message it handles) for the privacy tests to read."""
    server = servers.RasaServer(
        workdir,
        action_proxy.url,
        credentials=config.channels(telegram_api.url, wechat_api.url),
        env={"ACTION_TIMEOUT": str(config.ACTION_TIMEOUT)},
        extra_args=("--debug", "--auth-token", config.API_TOKEN, "--cors", config.CORS_ORIGIN, page_origin),
        port=servers.lasting_port(),
    )
    with server:
        yield server


@pytest.fixture(scope="session")
def rasa_url(rasa: servers.RasaServer) -> str:
    return rasa.url


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
