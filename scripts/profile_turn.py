"""Where one turn's time goes: each NLU component, each policy, each custom action call, and
the tracker store's reads and writes.

Loads models/fanzha.tar.gz in this process, with the real action server and the project's
SQL tracker store (a temporary SQLite file, or `--tracker-db-url`), replays the bench's
two 10-turn conversations `--rounds` times one turn at a time, and prints the mean
milliseconds per turn of every part, and which policy decided each prediction
(results/bench/profile.json). `--cprofile` adds the functions with the most cumulative
time. Measurement only: the "what if" switches change this process, never the project.

    .venv/bin/python scripts/profile_turn.py [--rounds 10] [--cprofile]
        [--postgres] [--what-if-cached-action-schema] [--what-if-sqlite-wal] [--what-if-no-ted]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import cProfile
import io
import json
import logging
import pstats
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy import cluster  # noqa: E402
from scripts.bench import OURS_MESSAGES  # noqa: E402

OUT = ROOT / "results" / "bench"
_phase: contextvars.ContextVar[str] = contextvars.ContextVar("phase", default="other")


class Timings:
    """Milliseconds and call counts per labelled part, over all turns."""

    def __init__(self) -> None:
        self.ms: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.decided: Counter[str] = Counter()  # which policy's prediction won

    def add(self, label: str, seconds: float) -> None:
        self.ms[label] += seconds * 1000
        self.calls[label] += 1


def instrument(timings: Timings) -> None:
    """Wrap Rasa's graph nodes, NLU and prediction runs, remote actions and the SQL tracker store."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.engine.graph import GraphNode

    def timed_async(owner: type, name: str, label, phase: str | None = None) -> None:
        original = getattr(owner, name)

        async def wrapper(self, *args, **kwargs):
            token = _phase.set(phase) if phase else None
            start = time.perf_counter()
            try:
                return await original(self, *args, **kwargs)
            finally:
                timings.add(label(self) if callable(label) else label, time.perf_counter() - start)
                if token:
                    _phase.reset(token)

        setattr(owner, name, wrapper)

    def timed_sync(owner: type, name: str, label: str, phase: str) -> None:
        original = getattr(owner, name)

        def wrapper(self, *args, **kwargs):
            token = _phase.set(phase)
            start = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                timings.add(label, time.perf_counter() - start)
                _phase.reset(token)

        setattr(owner, name, wrapper)

    node_call = GraphNode.__call__

    def timed_node(self, *inputs):
        start = time.perf_counter()
        try:
            return node_call(self, *inputs)
        finally:
            timings.add(f"{_phase.get()} node: {self._node_name}", time.perf_counter() - start)

    GraphNode.__call__ = timed_node
    timed_async(MessageProcessor, "parse_message", "NLU (parse_message)", "nlu")
    timed_sync(MessageProcessor, "_predict_next_with_tracker", "policies (one prediction)", "policies")
    predict = MessageProcessor._predict_next_with_tracker

    def decided_by(self, tracker):
        prediction = predict(self, tracker)
        timings.decided[prediction.policy_name or "follow-up action"] += 1
        return prediction

    MessageProcessor._predict_next_with_tracker = decided_by
    timed_async(RemoteAction, "run", lambda action: f"action server: {action.name()}")
    timed_async(SQLTrackerStore, "retrieve", "tracker store: retrieve")
    timed_async(SQLTrackerStore, "retrieve_full_tracker", "tracker store: retrieve_full_tracker")
    timed_async(SQLTrackerStore, "save", "tracker store: save")


async def replay(model: Path, action_url: str, tracker_url: str, rounds: int, timings: Timings,
                 profiler: cProfile.Profile | None) -> int:
    """Load the agent and send the two conversations `rounds` times; returns the number of turns."""
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot.privacy import redact

    configure_logging_and_warnings(logging.INFO)  # as `rasa run`: no debug output in the timings
    configure_structlog(logging.INFO)

    endpoints = AvailableEndpoints(
        action=EndpointConfig(url=action_url),
        tracker_store=EndpointConfig(type="bot.tracker_store.PersistentTrackerStore", url=tracker_url),
    )
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    for i in range(10):  # warm-up: TensorFlow's first calls are slow
        await agent.handle_message(UserMessage(OURS_MESSAGES[i], CollectingOutputChannel(), "warm-up"))
    timings.ms.clear()
    timings.calls.clear()
    timings.decided.clear()
    turns = 0
    if profiler:
        profiler.enable()
    for round_ in range(rounds):
        for i, text in enumerate(OURS_MESSAGES):
            sender = f"profile-{round_}-{i // 10}"
            start = time.perf_counter()
            clean = redact(text).text
            timings.add("channel: redaction", time.perf_counter() - start)
            await agent.handle_message(UserMessage(clean, CollectingOutputChannel(), sender))
            timings.add("turn (total)", time.perf_counter() - start)
            turns += 1
    if profiler:
        profiler.disable()
    return turns


def report(timings: Timings, turns: int) -> dict[str, Any]:
    rows = {label: {"ms_per_turn": ms / turns, "calls_per_turn": timings.calls[label] / turns,
                    "ms_per_call": ms / timings.calls[label]}
            for label, ms in sorted(timings.ms.items(), key=lambda item: -item[1])}
    total = rows["turn (total)"]["ms_per_turn"]
    top = ["channel: redaction", "NLU (parse_message)", "policies (one prediction)", "tracker store: retrieve",
           "tracker store: retrieve_full_tracker", "tracker store: save",
           *[label for label in rows if label.startswith("action server: ")]]
    accounted = sum(rows[label]["ms_per_turn"] for label in top if label in rows)
    rows["rest of Rasa (events, slots, templates, channel)"] = {
        "ms_per_turn": total - accounted, "calls_per_turn": 1, "ms_per_call": total - accounted}
    return rows


def cache_action_schema() -> None:
    """What if Rasa built its action-response validator once: jsonschema.validate() checks the
    schema itself against the metaschema on every call before checking the response."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator = validators.validator_for(schema)(schema)

    def validate(self, result):
        validator.validate(result)
        return True

    RemoteAction._validate_action_result = validate


def sqlite_wal() -> None:
    """What if the SQLite tracker store used write-ahead logging with synchronous=NORMAL."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def pragmas(connection, _record):
        if type(connection).__module__.startswith("sqlite3"):
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")


def no_ted() -> None:
    """What if TEDPolicy were not in config.yml: it predicts nothing (zeros), as if absent.

    Only a timing estimate: valid where another policy decides every prediction anyway
    (the "decided by" line says whether TED ever won)."""
    from rasa.core.policies.ted_policy import TEDPolicy

    def nothing(self, tracker, domain, rule_only_data=None, **kwargs):
        return self._prediction(self._default_predictions(domain))

    TEDPolicy.predict_action_probabilities = nothing


@contextlib.contextmanager
def action_server(workdir: Path) -> Iterator[str]:
    from bot.knowledge.loader import build

    database_url = f"sqlite:///{workdir / 'knowledge.db'}"
    build(database_url)
    port = cluster.free_port()
    args = [str(cluster.BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    with cluster.started("actions", args, workdir / "actions.log",
                         {"SANIC_HOST": "127.0.0.1", "DATABASE_URL": database_url}) as service:
        cluster.wait_until(lambda: cluster.http_ok(f"http://127.0.0.1:{port}/health"), [service], 120)
        yield f"http://127.0.0.1:{port}/webhook"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="times the two conversations are replayed")
    parser.add_argument("--model", type=Path, default=cluster.MODEL)
    parser.add_argument("--tracker-db-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--postgres", action="store_true", help="tracker store on a throw-away PostgreSQL")
    parser.add_argument("--cprofile", action="store_true", help="also list the functions with most cumulative time")
    parser.add_argument("--what-if-cached-action-schema", action="store_true",
                        help="validate action server responses with a validator built once")
    parser.add_argument("--what-if-sqlite-wal", action="store_true", help="SQLite tracker store in WAL mode")
    parser.add_argument("--what-if-no-ted", action="store_true", help="TEDPolicy predicts nothing, as if removed")
    options = parser.parse_args()
    timings = Timings()
    instrument(timings)
    if options.what_if_cached_action_schema:
        cache_action_schema()
    if options.what_if_sqlite_wal:
        sqlite_wal()
    if options.what_if_no_ted:
        no_ted()
    profiler = cProfile.Profile() if options.cprofile else None
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fanzha-profile-")))
        action_url = stack.enter_context(action_server(tmp))
        tracker_url = options.tracker_db_url or f"sqlite:///{tmp / 'tracker.db'}"
        if options.postgres:
            tracker_url = stack.enter_context(cluster.postgres(tmp))[1]
        turns = asyncio.run(replay(options.model, action_url, tracker_url, options.rounds, timings, profiler))
    rows = report(timings, turns)
    print(f"{turns} turns; mean per turn:")
    print(f"{'part':62}{'ms/turn':>9}{'calls/turn':>12}{'ms/call':>9}")
    for label, row in sorted(rows.items(), key=lambda item: -item[1]["ms_per_turn"]):
        print(f"{label[:62]:62}{row['ms_per_turn']:9.2f}{row['calls_per_turn']:12.2f}{row['ms_per_call']:9.2f}")
    predictions = sum(timings.decided.values())
    print("predictions decided by: " + ", ".join(f"{name} {count / predictions:.0%}"
                                                for name, count in timings.decided.most_common()))
    what_if = [name for name in ("what_if_cached_action_schema", "what_if_sqlite_wal", "what_if_no_ted")
               if getattr(options, name)]
    result: dict[str, Any] = {"turns": turns, "tracker_db": tracker_url.split(":", 1)[0], "what_if": what_if,
                              "parts": rows, "decided_by": dict(timings.decided)}
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        print(text.getvalue())
        result["cprofile_top"] = text.getvalue()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "profile.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
