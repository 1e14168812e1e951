"""Where one turn's time goes: each NLU component, each policy, each custom action call, and
the tracker store's reads and writes.

Loads models/fanzha.tar.gz in this process, with the real action server, the project's
SQL tracker store as endpoints.yml configures it (on a temporary SQLite file, or
`--tracker-db-url`) and the Rasa server's start-up steps, replays the bench's two 10-turn
conversations `--rounds` times one turn at a time, and prints the mean milliseconds per
turn of every part, and which policy decided each prediction (results/bench/profile.json, profile-stock.json).
`--stock` measures the same with Rasa's own SQLTrackerStore and response check (the
"before"; pass the older model with `--model`). `--cprofile` adds the functions with the
most cumulative time.

    .venv/bin/python scripts/profile_turn.py [--rounds 10] [--cprofile] [--postgres] [--stock] [--model M]
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
import os
import pstats
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from deploy import cluster, processes  # noqa: E402
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

    from bot.rasa_server.tracker_store import PersistentTrackerStore

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
    for store in (SQLTrackerStore, PersistentTrackerStore):  # each class's own methods, timed once
        for name in ("retrieve", "retrieve_full_tracker", "save"):
            if name in vars(store):
                timed_async(store, name, f"tracker store: {name}")


def tracker_store_config(url: str, stock: bool) -> dict[str, Any]:
    """endpoints.yml's tracker store on `url`; `stock`: Rasa's own SQLTrackerStore."""
    if stock:
        return {"type": "sql", "url": url}
    return processes.endpoint("tracker_store", url)


async def replay(
    model: Path,
    action_url: str,
    tracker_store: dict[str, Any],
    rounds: int,
    timings: Timings,
    profiler: cProfile.Profile | None,
) -> int:
    """Load the agent and send the two conversations `rounds` times; returns the number of turns."""
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot.text.privacy import redact

    configure_logging_and_warnings(logging.INFO)  # as `rasa run`: no debug output in the timings
    configure_structlog(logging.INFO)

    endpoints = AvailableEndpoints(
        action=EndpointConfig(**processes.endpoint("action_endpoint", action_url)),
        tracker_store=EndpointConfig(**tracker_store),
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
    rows = {
        label: {
            "ms_per_turn": ms / turns,
            "calls_per_turn": timings.calls[label] / turns,
            "ms_per_call": ms / timings.calls[label],
        }
        for label, ms in sorted(timings.ms.items(), key=lambda item: -item[1])
    }
    total = rows["turn (total)"]["ms_per_turn"]
    top = [
        "channel: redaction",
        "NLU (parse_message)",
        "policies (one prediction)",
        "tracker store: retrieve",
        "tracker store: retrieve_full_tracker",
        "tracker store: save",
        *[label for label in rows if label.startswith("action server: ")],
    ]
    accounted = sum(rows[label]["ms_per_turn"] for label in top if label in rows)
    rows["rest of Rasa (events, slots, templates, channel)"] = {
        "ms_per_turn": total - accounted,
        "calls_per_turn": 1,
        "ms_per_call": total - accounted,
    }
    return rows


@contextlib.contextmanager
def action_server(workdir: Path) -> Iterator[str]:
    from bot.knowledge.loader import build

    database_url = f"sqlite:///{workdir / 'knowledge.db'}"
    build(database_url)
    with processes.action_server(workdir, {"DATABASE_URL": database_url}, timeout=120) as service:
        yield f"{service.url}/webhook"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="times the two conversations are replayed")
    parser.add_argument("--model", type=Path, default=processes.MODEL)
    parser.add_argument("--tracker-db-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--postgres", action="store_true", help="tracker store on a throw-away PostgreSQL")
    parser.add_argument("--cprofile", action="store_true", help="also list the functions with most cumulative time")
    parser.add_argument(
        "--stock", action="store_true", help="Rasa's own SQLTrackerStore and action response check, not the project's"
    )
    options = parser.parse_args()
    timings = Timings()
    instrument(timings)
    if not options.stock:  # the Rasa server's start-up steps for a cheaper turn
        from bot.rasa_server.channels.common import take_cheaper_turn_steps

        take_cheaper_turn_steps()
    profiler = cProfile.Profile() if options.cprofile else None
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fanzha-profile-")))
        action_url = stack.enter_context(action_server(tmp))
        tracker_url = options.tracker_db_url or f"sqlite:///{tmp / 'tracker.db'}"
        if options.postgres:
            tracker_url = stack.enter_context(cluster.postgres(tmp))[1]
        store = tracker_store_config(tracker_url, options.stock)
        turns = asyncio.run(replay(options.model, action_url, store, options.rounds, timings, profiler))
    rows = report(timings, turns)
    print(f"{turns} turns; mean per turn:")
    print(f"{'part':62}{'ms/turn':>9}{'calls/turn':>12}{'ms/call':>9}")
    for label, row in sorted(rows.items(), key=lambda item: -item[1]["ms_per_turn"]):
        print(f"{label[:62]:62}{row['ms_per_turn']:9.2f}{row['calls_per_turn']:12.2f}{row['ms_per_call']:9.2f}")
    predictions = sum(timings.decided.values())
    print(
        "predictions decided by: "
        + ", ".join(f"{name} {count / predictions:.0%}" for name, count in timings.decided.most_common())
    )
    result: dict[str, Any] = {
        "turns": turns,
        "tracker_db": tracker_url.split(":", 1)[0],
        "stock": options.stock,
        "model": str(options.model),
        "loadavg_1min": os.getloadavg()[0],
        "parts": rows,
        "decided_by": dict(timings.decided),
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        print(text.getvalue())
        result["cprofile_top"] = text.getvalue()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("profile-stock.json" if options.stock else "profile.json")).write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
