"""The cheaper turn: the tracker store that keeps conversations in memory, the action response
check built once, action calls that carry the current turn and the knowledge lookups read once
give what the slower way gives."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.rasa_server import tracker_store
from bot.rasa_server.action_response_check import ResponseCheck
from bot.rasa_server.tracker_store import PersistentTrackerStore
from tests.conftest import post_json
from tests.support import servers

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet]
slots:
  loss_amount:
    type: text
    mappings: [{type: custom}]
"""
)

SCHEMA = RemoteAction.action_response_format_spec()
GOOD = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "loss_amount", "value": "两万", "timestamp": None}]},
    {
        "events": [
            {"event": "active_loop", "name": "lost_money_form"},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "followup", "name": "action_listen"},
            {"event": "bot", "text": "您好", "data": {"buttons": []}},
            {"event": "reset_slots"},
        ],
        "responses": [{"text": "马上打110", "buttons": [{"title": "好", "payload": "/affirm"}]}],
    },
]
BAD = [
    [],
    {"events": {}},
    {"events": [{"name": "loss_amount"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": ["slot"]},
    {"events": [{"event": 3}]},
    {"events": [{"event": "slot", "name": 5, "value": 1}]},
    {"events": [{"event": "slot", "timestamp": "yesterday", "name": "a"}]},
    {"events": [{"event": "user", "parse_data": []}]},
    {"responses": ["马上打110"]},
    {"responses": {}},
]


@pytest.mark.parametrize("response", GOOD + BAD)
def test_response_check_agrees_with_rasas_schema(response):
    check = ResponseCheck(SCHEMA)
    try:
        validate(response, SCHEMA)
    except ValidationError:
        with pytest.raises(ValidationError):
            check.validate(response)
    else:
        check.validate(response)
    assert (response in GOOD) == (response not in BAD)


def store(path: Path, **kwargs) -> PersistentTrackerStore:
    return PersistentTrackerStore(DOMAIN, url=f"sqlite:///{path}", **kwargs)


def stored_events(path: Path, sender: str) -> list[dict]:
    with sqlite3.connect(path) as db:
        rows = db.execute("select data from events where sender_id = ? order by id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


async def turn(kept: PersistentTrackerStore, sender: str, text: str, amount: str | None = None):
    """What Rasa's processor does with the tracker store in one turn."""
    tracker = await kept.get_or_create_tracker(sender)
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(f"回复 {text}"))
    if amount:
        tracker.update(SlotSet("loss_amount", amount))
    tracker.update(ActionExecuted("action_listen"))
    await kept.save(tracker)
    return tracker


def without_time(events: list[dict]) -> list[dict]:
    return [{key: value for key, value in event.items() if key != "timestamp"} for event in events]


def test_kept_conversation_is_written_as_rasa_would(tmp_path):
    kept, plain = store(tmp_path / "kept.db"), store(tmp_path / "plain.db", keep_in_memory=0)
    assert (kept.keep_in_memory, plain.keep_in_memory) == (tracker_store.KEPT_CONVERSATIONS, 0)

    async def two_turns(where: PersistentTrackerStore):
        first = await turn(where, "rest:a", "你好")
        return first, await turn(where, "rest:a", "被骗了", amount="两万")

    first, second = asyncio.run(two_turns(kept))
    read_back_first, read_back_second = asyncio.run(two_turns(plain))
    assert first is second  # the kept tracker, not read back
    assert read_back_first is not read_back_second
    written = stored_events(tmp_path / "kept.db", "rest:a")
    assert len(written) == 1 + 4 + 5  # the first action_listen, two turns
    assert without_time(written) == without_time(stored_events(tmp_path / "plain.db", "rest:a"))
    again = asyncio.run(store(tmp_path / "kept.db").retrieve("rest:a"))  # a restarted server
    assert again.get_slot("loss_amount") == "两万"
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in second.events]


def test_a_new_conversation_through_rasas_wrapper_is_written_once_and_kept(tmp_path, monkeypatch):
    """Rasa's processor reaches the store through AwaitableTrackerStore, whose get_or_create_tracker
    creates and saves a new sender's tracker without the store's own create_tracker: the first save
    still writes every event without asking the database again, and the next turn reuses it."""
    from rasa.core.tracker_store import AwaitableTrackerStore, SQLTrackerStore

    kept, plain = store(tmp_path / "kept.db"), store(tmp_path / "plain.db", keep_in_memory=0)
    asked = []
    rasas_save = SQLTrackerStore.save

    async def counted(self, tracker):
        asked.append(tracker.sender_id)
        await rasas_save(self, tracker)

    monkeypatch.setattr(SQLTrackerStore, "save", counted)

    async def two_turns(where: PersistentTrackerStore):
        wrapped = AwaitableTrackerStore(where)
        first = await turn(wrapped, "rest:w", "你好")
        return first, await turn(wrapped, "rest:w", "被骗了", amount="两万")

    first, second = asyncio.run(two_turns(kept))
    assert first is second and asked == []
    asyncio.run(two_turns(plain))
    assert asked  # the store that keeps nothing saves as Rasa does
    assert without_time(stored_events(tmp_path / "kept.db", "rest:w")) == without_time(
        stored_events(tmp_path / "plain.db", "rest:w")
    )


def test_a_turn_that_failed_before_its_save_is_not_reused(tmp_path):
    kept = store(tmp_path / "t.db")

    async def failed_then_next():
        await turn(kept, "rest:b", "你好")
        broken = await kept.retrieve("rest:b")
        broken.update(UserUttered("没存下的话"))  # the turn fails here: no save
        return broken, await kept.retrieve("rest:b")

    broken, next_turn = asyncio.run(failed_then_next())
    assert next_turn is not broken
    assert "没存下的话" not in [getattr(e, "text", None) for e in next_turn.events]
    assert len(next_turn.events) == len(stored_events(tmp_path / "t.db", "rest:b")) == 5


def test_kept_conversations_are_bounded_and_expire(tmp_path, monkeypatch):
    kept = store(tmp_path / "t.db", keep_in_memory=2)

    async def three_then_first():
        first = await turn(kept, "rest:1", "你好")
        await turn(kept, "rest:2", "你好")
        await turn(kept, "rest:3", "你好")
        return first, await kept.retrieve("rest:1"), await kept.retrieve("rest:3")

    first, first_again, third = asyncio.run(three_then_first())
    assert first_again is not first  # pushed out by the third, read from the database
    assert [e.as_dict() for e in first_again.events] == [e.as_dict() for e in first.events]
    assert list(kept._kept) == ["rest:1", "rest:3"]  # the second pushed out in turn
    monkeypatch.setattr(tracker_store, "KEEP_SECONDS", 0)
    assert asyncio.run(kept.retrieve("rest:3")) is not third


def test_sqlite_runs_in_wal_mode(tmp_path):
    asyncio.run(turn(store(tmp_path / "t.db"), "rest:c", "你好"))
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("pragma journal_mode").fetchone() == ("wal",)


def test_not_kept_where_other_processes_write(tmp_path, monkeypatch):
    from rasa.core.brokers.broker import EventBroker

    assert store(tmp_path / "t.db", event_broker=EventBroker()).keep_in_memory == 0
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert store(tmp_path / "t.db").keep_in_memory == 0


def replies(url: str, sender: str, message: str) -> list[str]:
    answer = post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    return [reply.get("text", "") for reply in answer]


def test_kept_and_read_back_conversations_get_the_same_replies_and_rows(rasa, read_back_rasa):
    """The session's server (conversations kept in memory) and one reading every turn back from
    SQLite: the bench's conversations (including the lost-money walk-through) get the same
    replies and stored rows."""
    from scripts.bench import OURS_MESSAGES

    sender = uuid.uuid4().hex
    for message in OURS_MESSAGES:
        assert replies(rasa.url, sender, message) == replies(read_back_rasa.url, sender, message), message

    def rows(path: Path) -> list[tuple]:
        with sqlite3.connect(path) as db:
            return db.execute(
                "select type_name, intent_name, action_name from events where sender_id = ? order by id",
                (f"rest:{sender}",),
            ).fetchall()

    assert len(rows(rasa.tracker_db)) > 3 * len(OURS_MESSAGES)
    assert rows(rasa.tracker_db) == rows(read_back_rasa.tracker_db)


def test_keyed_knowledge_lookups_are_read_once(database_url, repository):
    from actions.repository import ReadOnceRepository
    from bot.knowledge import KnowledgeRepository

    read_once = ReadOnceRepository(KnowledgeRepository(database_url))
    first = read_once.scam_types()
    assert read_once.scam_types() is first
    assert first == repository.scam_types()
    assert read_once.guidance("lost_money") == repository.guidance("lost_money")
    assert read_once.law_facts("帮信罪判几年") == repository.law_facts("帮信罪判几年")
    assert "law_facts" not in vars(read_once)  # looked up by the user's text: not kept
    read_once.dispose()
    assert read_once.scam_types() is not first
    read_once.dispose()


async def test_action_calls_share_one_kept_connection(monkeypatch):
    """After the start-up step, calls to one endpoint reuse a connection; the shut-down step closes it."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server import action_connections

    peers = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = servers.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
        monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)  # undone after the test
        action_connections.keep_action_connections()  # Rasa's own session opens a connection a call
        for _ in range(3):
            assert await endpoint.request(json={}, method="post") == {"events": [], "responses": []}
        assert len(peers) == 3 and len(set(peers)) == 1
        async with endpoint.session() as session:
            await action_connections.close_action_connections()
            assert session.closed
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("action", "gets_domain"),
    [("action_give_guidance", False), ("action_answer_lost_money", False), ("validate_lost_money_form", True)],
)
def test_the_domain_goes_only_to_the_form_validator(action, gets_domain):
    """endpoints.yml's selective domain: an ordinary action call carries the tracker only; the
    walk-through's validator, which reads the form's slots from it, still gets the domain."""
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from deploy import processes

    domain = Domain.load(str(servers.ROOT / "domain.yml"))
    endpoint = EndpointConfig(**processes.endpoint("action_endpoint", "http://127.0.0.1:1/webhook"))
    body = RemoteAction(action, endpoint)._action_call_format(DialogueStateTracker("s", domain.slots), domain)
    assert ("domain" in body) is gets_domain
    assert body["tracker"]["sender_id"] == "s"


def conversation(domain: Domain):
    """A tracker two user messages into a conversation, the walk-through active on the second."""
    from rasa.shared.core.events import ActiveLoop, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    def user(text: str, intent: str, entities: list[dict]) -> UserUttered:
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
        return UserUttered(text, parse["intent"], entities, parse, input_channel="rest")

    amount = {"entity": "amount", "value": "两万", "start": 4, "end": 6}
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        user("有人打电话说我中奖了", "suspected_scam_call", []),
        ActionExecuted("action_give_guidance"),
        BotUttered("先别转账"),
        ActionExecuted("action_listen"),
        user("我刚被骗了两万", "lost_money", [amount]),
        ActionExecuted("lost_money_form"),
        ActiveLoop("lost_money_form"),
        SlotSet("loss_amount", "两万"),
        SlotSet("requested_slot", "loss_time"),
    ]
    return DialogueStateTracker.from_events("s", events, slots=domain.slots), events


ACTIONS = ("action_give_guidance", "validate_lost_money_form")  # without and with the domain


def test_an_action_call_carries_the_current_turn(monkeypatch):
    """Rasa's request with the events from the latest user message on; the rest as Rasa sends it."""
    from rasa.shared.core.trackers import EventVerbosity
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server.action_request import send_current_turn_only

    domain = Domain.load(str(servers.ROOT / "domain.yml"))
    tracker, events = conversation(domain)
    endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook", enable_selective_domain=True)
    # Rasa's own request, also when an in-process server test in this process took the step already.
    taken = RemoteAction._action_call_format
    monkeypatch.setattr(RemoteAction, "_action_call_format", getattr(taken, "__wrapped__", taken))
    rasas = {name: RemoteAction(name, endpoint)._action_call_format(tracker, domain) for name in ACTIONS}
    send_current_turn_only()
    send_current_turn_only()  # twice, as a second server in one process would
    for name in ACTIONS:
        ours = RemoteAction(name, endpoint)._action_call_format(tracker, domain)
        assert ours["tracker"].pop("events") == [event.as_dict() for event in events[7:]]
        assert rasas[name]["tracker"].pop("events") == tracker.current_state(EventVerbosity.ALL)["events"]
        assert ours == rasas[name]


def test_the_action_server_reads_the_same_tracker_from_the_current_turn():
    """What rasa-sdk's Tracker gives the actions and the form validator is the same either way."""
    from rasa.shared.core.trackers import EventVerbosity
    from rasa_sdk import Tracker

    from bot.rasa_server.action_request import current_turn

    domain = Domain.load(str(servers.ROOT / "domain.yml"))
    tracker, events = conversation(domain)
    full = tracker.current_state(EventVerbosity.ALL)
    turn = {**full, "events": [event.as_dict() for event in current_turn(events)]}

    def seen(state: dict) -> tuple:
        sdk = Tracker.from_dict(state)
        return (
            sdk.latest_message,
            sdk.current_slot_values(),
            sdk.active_loop_name,
            sdk.latest_action_name,
            sdk.slots_to_validate(),
            sdk.get_latest_input_channel(),
            list(sdk.get_latest_entity_values("amount")),
        )

    assert seen(turn) == seen(full)
    assert seen(turn)[4] == {"loss_amount": "两万", "requested_slot": "loss_time"}


def test_a_conversation_without_a_user_message_is_sent_whole():
    from bot.rasa_server.action_request import current_turn

    events = [ActionExecuted("action_session_start"), BotUttered("您好")]
    assert current_turn(events) == events


def test_the_actions_read_no_event_history():
    """The current turn is all an action call carries: an action that read older events would be
    answered from a shortened history, so reading them needs `send_current_turn_only` changed first."""
    history = re.compile(
        r"(?<!rasa_sdk)\.events\b|get_last_event_for|applied_events|last_executed_action_has|events_after_latest_restart"
        r"|idx_after_latest_restart"
    )
    readers = [path.name for path in (servers.ROOT / "actions").rglob("*.py") if history.search(path.read_text())]
    assert readers == []
    assert history.search("for event in tracker.events:")
    assert not history.search("from rasa_sdk.events import SlotSet")


# The trained model's parse of a few messages (intent ranking and the question selector's ranking),
# with Rasa's prediction call and then through the concrete functions; prints whether they agree
# and how often a concrete function bound its arguments again (the slower way).
SAME_PARSES_THROUGH_CONCRETE_FUNCTIONS = """
import asyncio, json
from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel
from bot.rasa_server.tf_predict import predict_through_concrete_functions
from tensorflow.python.eager.polymorphic_function.monomorphic_function import ConcreteFunction

TEXTS = ["我妈刚接到电话说是公安局的，让她把钱转到安全账户，她已经转了5万了", "有人出八百块收我的银行卡",
         "你好", "这个反诈App是真的吗", "帮信罪判几年", "被骗了能追回来吗", "今天天气怎么样"]

async def parses(agent):
    out = []
    for text in TEXTS:
        parse = await agent.parse_message(text)
        selector = parse.get("response_selector", {}).get("default", {}).get("ranking", [])
        out.append([parse["intent_ranking"], selector])
    return out

async def main():
    agent = Agent.load("MODEL")
    rasas = await parses(agent)
    rasa_predict = RasaModel._rasa_predict
    predict_through_concrete_functions()
    # A concrete function called with Python arguments binds and checks them: only a mismatch should.
    bound = []
    call = ConcreteFunction.__call__
    ConcreteFunction.__call__ = lambda self, *args, **kwargs: bound.append(1) or call(self, *args, **kwargs)
    print(json.dumps({"patched": RasaModel._rasa_predict is not rasa_predict,
                      "same": [await parses(agent) for _ in range(2)] == [rasas, rasas],
                      "bound again": len(bound)}))

asyncio.run(main())
"""


@pytest.mark.e2e
@pytest.mark.background(
    SAME_PARSES_THROUGH_CONCRETE_FUNCTIONS.replace("MODEL", str(servers.MODEL)),
    {"LOG_LEVEL": "WARNING", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"},
)
def test_predictions_through_concrete_functions_give_rasas_parses(background):
    assert background.returncode == 0, background.stderr[-2000:]
    assert json.loads(background.stdout.strip().splitlines()[-1]) == {"patched": True, "same": True, "bound again": 0}
