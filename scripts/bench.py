"""Benchmark 反诈助手 against Rasa's starter bot (moodbot) on this machine, as users feel it.

For each bot: `rasa train` from scratch with a cold cache, server start-up time, resident
memory, and REST turns at 1, 10 and 50 concurrent senders (throughput, p50 and p95
latency). Both bots are served side by side and take turns: each level runs three times a
bot and the median is reported, so a slow minute of the machine does not fall on one bot.
Then the same load through the two-server cluster (deploy/cluster.py: nginx, two Rasa and
two action servers, PostgreSQL, Redis). Conversations are 10 turns long at
every level, so the levels differ only in concurrency. Per-sender and per-address rate
limits are off: every simulated user comes from 127.0.0.1.

Prints tables, writes results/bench/bench.json and results/bench/bench.png (logs in
results/bench/logs/). `make bench` or `.venv/bin/python scripts/bench.py`; `--quick`
(development only) uses the trained models/fanzha.tar.gz and far fewer turns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.knowledge.loader import build  # noqa: E402
from deploy import cluster, processes  # noqa: E402

OUT = ROOT / "results" / "bench"
LOGS = OUT / "logs"
RASA = str(processes.BIN / "rasa")
PYTHON = str(processes.BIN / "python")
LEVELS = ((1, 100), (10, 20), (50, 10))  # (concurrent senders, turns each)
ROUNDS = 3  # each level this many times a bot, the bots taking turns; the median is reported
QUICK_LEVELS = ((1, 10), (10, 4), (50, 2))
CONVERSATION_TURNS = 10  # a simulated user starts a new conversation every 10 turns
WARMUP = 10
TRAIN_TIMEOUT = 3600  # two busy cores: training ours took over 30 minutes once
TURN_TIMEOUT = 120
HTTP = processes.HTTP  # loopback, never a proxy

# Two 10-turn conversations covering every intent; the second walks through the loss form.
OURS_MESSAGES = [
    "你好",
    "刚才有人自称快递客服打电话，说要给我理赔，让我下载一个会议软件共享屏幕，这是骗子吗",
    "2023年全国一共破获了多少电信网络诈骗案件",
    "去年拦截了多少诈骗电话",
    "96110是什么号码，打来的电话能接吗",
    "帮信罪一般会判几年",
    "杀猪盘是怎么一步步骗人的",
    "有人出800块一个月租我的银行卡，可以做吗",
    "你是机器人吗",
    "谢谢你",
    "在吗",
    "我刚被骗了两万块钱，怎么办",
    "半小时前",
    "用微信转的",
    "两万左右",
    "还没报警",
    "2022年全国止付冻结了多少钱",
    "这个网址是银行官网吗，让我输验证码",
    "明天西安天气怎么样",
    "好的，再见",
]
STARTER_MESSAGES = [
    "hi",
    "I am sad",
    "yes",
    "bye",
    "hello there",
    "I'm feeling great",
    "are you a bot?",
    "good morning",
    "very unhappy today",
    "no",
    "hey",
    "I am amazing",
    "goodbye",
    "hello",
    "my day was horrible",
    "yes it did",
    "am I talking to a human?",
    "great",
    "not really",
    "see you later",
]


def rasa_env(cache: Path) -> dict[str, str]:
    """Environment for a Rasa process: its own training cache, no telemetry."""
    return {
        "RASA_CACHE_DIRECTORY": str(cache),  # rasa/engine/caching.py, default ./.rasa/cache
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def run_logged(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run a command to completion with output in `log`; returns wall seconds."""
    start = time.monotonic()
    with open(log, "wb") as out:
        done = subprocess.run(
            args, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, timeout=TRAIN_TIMEOUT
        )
    seconds = time.monotonic() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{log.read_text()[-4000:]}")
    return seconds


def train(cwd: Path, data: list[str], out: Path, cache: Path, name: str) -> tuple[float, Path]:
    """`rasa train` from scratch into an empty `out` with an empty cache; (seconds, model)."""
    for folder in (out, cache):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    args = [RASA, "train", *(["--data", *data] if data else []), "--out", str(out)]
    seconds = run_logged(args, cwd, rasa_env(cache), LOGS / f"train-{name}.log")
    models = sorted(out.glob("*.tar.gz"))
    if len(models) != 1:
        raise RuntimeError(f"expected one model in {out}, found {models}")
    return seconds, models[0]


def starter_project(tmp: Path) -> tuple[Path, float]:
    """Moodbot from `rasa init --no-prompt`; its own initial training is thrown away."""
    project = tmp / "starter"
    project.mkdir()
    seconds = run_logged(
        [RASA, "init", "--no-prompt"], project, rasa_env(tmp / "init-cache"), LOGS / "init-starter.log"
    )
    shutil.rmtree(project / "models", ignore_errors=True)
    shutil.rmtree(tmp / "init-cache", ignore_errors=True)
    return project, seconds


def get(url: str) -> int:
    with HTTP.open(url, timeout=5) as response:
        return response.status


def post(url: str, sender: str, text: str) -> list[dict]:
    """One REST turn: the bot's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with HTTP.open(request, timeout=TURN_TIMEOUT) as response:
        return json.load(response)


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of a process and its descendants, in MiB."""
    total_kb = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def load(webhook: str, messages: list[str], prefix: str, senders: int, turns_each: int) -> dict[str, Any]:
    """`senders` simulated users at once, each sending `turns_each` turns one after the other.

    A user's k-th conversation follows one of the two 10-message scripts in `messages`.
    Returns throughput (turns per second of wall time) and latency in ms.
    """
    latencies: list[float] = []
    failures = {"failed": 0, "empty_replies": 0}
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT)

    async def user(session: aiohttp.ClientSession, number: int) -> None:
        for turn in range(turns_each):
            conversation, step = divmod(turn, CONVERSATION_TURNS)
            script = (number + conversation) % 2
            body = {
                "sender": f"{prefix}-{senders}x{turns_each}-{number}-{conversation}",
                "message": messages[script * CONVERSATION_TURNS + step],
            }
            start = time.perf_counter()
            try:
                async with session.post(webhook, json=body) as response:
                    replies = await response.json(content_type=None)
                    ok = response.status == 200
            except (TimeoutError, aiohttp.ClientError, ValueError):
                ok, replies = False, None
            if not ok:
                failures["failed"] += 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            failures["empty_replies"] += not replies

    connector = aiohttp.TCPConnector(limit=0)
    load_before = os.getloadavg()[0]  # other work on the machine shows here
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(user(session, n) for n in range(senders)))
        wall = time.perf_counter() - began
    if not latencies:
        raise RuntimeError(f"every turn to {webhook} failed")
    return {
        "senders": senders,
        "turns_each": turns_each,
        "turns": senders * turns_each,
        **failures,
        "wall_s": wall,
        "turns_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "mean_ms": statistics.fmean(latencies),
        "max_ms": max(latencies),
        "loadavg_1min": [load_before, os.getloadavg()[0]],
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One level's rounds as one figure each: the median over the rounds; every round kept under `rounds`."""
    numeric = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {**{k: statistics.median(run[k] for run in runs) for k in numeric}, "rounds": runs}


def measure_levels(servers: dict[str, tuple[str, list[str]]], levels: tuple, rounds: int) -> dict[str, dict]:
    """Every concurrency level `rounds` times, the servers taking turns within each round, so a slow
    minute of the machine falls on both bots rather than on one; fresh conversations each time.

    `servers`: name -> (webhook, messages). Returns name -> level -> the median of the rounds.
    """
    for name, (webhook, messages) in servers.items():
        for i in range(WARMUP):
            post(webhook, f"{name}-warmup-{i // CONVERSATION_TURNS}", messages[i % len(messages)])
    out: dict[str, dict] = {name: {} for name in servers}
    for senders, turns_each in levels:
        runs: dict[str, list] = {name: [] for name in servers}
        for round_ in range(rounds):
            for name, (webhook, messages) in servers.items():
                result = asyncio.run(load(webhook, messages, f"{name}-bench-{round_}", senders, turns_each))
                runs[name].append(result)
                print(
                    f"  {name}: {senders:>2} senders x {turns_each:>3} turns: {result['turns_per_s']:5.1f} turns/s, "
                    f"p50 {result['p50_ms']:6.0f} ms, p95 {result['p95_ms']:6.0f} ms, failed {result['failed']}, "
                    f"load {result['loadavg_1min'][0]:.1f}-{result['loadavg_1min'][1]:.1f}",
                    flush=True,
                )
        for name in servers:
            out[name][str(senders)] = summary(runs[name])
    return out


@contextlib.contextmanager
def serving(
    args: list[str], cwd: Path, env: dict[str, str], base: str, probe: str, name: str, extra_pids: dict[str, int]
) -> Iterator[dict[str, Any]]:
    """A Rasa server until the block ends; yields its start-up time and memory, and records its memory
    again at the end."""
    log = LOGS / f"rasa-{name}.log"
    log.unlink(missing_ok=True)
    start = time.monotonic()
    with processes.started(f"rasa-{name}", args, log, env, cwd) as service:
        processes.wait_until(lambda: get(f"{base}/webhooks/rest/"), [service], interval=0.1)
        listening = time.monotonic() - start
        webhook = f"{base}/webhooks/rest/webhook"
        processes.wait_until(lambda: post(webhook, f"{name}-probe", probe) is not None, [service], interval=0.1)
        result: dict[str, Any] = {"listening_s": listening, "startup_s": time.monotonic() - start, "webhook": webhook}
        pids = {"rasa": service.pid, **extra_pids}
        result["rss_mib"] = {role: rss_mib(pid) for role, pid in pids.items()}
        yield result
        result["rss_mib_after_run"] = {role: rss_mib(pid) for role, pid in pids.items()}


@contextlib.contextmanager
def serving_starter(tmp: Path, project: Path, model: Path) -> Iterator[dict[str, Any]]:
    """The starter bot's server: stock REST channel, no action server, in-memory tracker store."""
    port = processes.free_port()
    args = processes.rasa_server_args(model, port, *processes.server_files(tmp, port, {"rest": None}, {}))
    with serving(
        args, project, rasa_env(tmp / "serve-cache"), f"http://127.0.0.1:{port}", STARTER_MESSAGES[0], "starter", {}
    ) as result:
        yield result


@contextlib.contextmanager
def serving_ours(tmp: Path, model: Path, database_url: str) -> Iterator[dict[str, Any]]:
    """As `make run` deploys it: one action server, one Rasa server, endpoints.yml's SQLite tracker store."""
    action_port, port = processes.free_port(), processes.free_port()
    action_env = {"SANIC_HOST": "127.0.0.1", "DATABASE_URL": database_url, "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = LOGS / "actions-ours.log"
    log.unlink(missing_ok=True)
    start = time.monotonic()
    with processes.started("actions-ours", processes.action_server_args(action_port), log, action_env) as actions:
        health = f"http://127.0.0.1:{action_port}/health"
        processes.wait_until(lambda: get(health), [actions], interval=0.1)
        action_startup = time.monotonic() - start
        endpoints = {
            "action_endpoint": processes.endpoint("action_endpoint", f"http://127.0.0.1:{action_port}/webhook"),
            "tracker_store": processes.endpoint("tracker_store", f"sqlite:///{tmp / 'tracker.db'}"),
        }
        files = processes.server_files(tmp, port, {"bot.rasa_server.channels.rest.RestInput": None}, endpoints)
        args = processes.rasa_server_args(model, port, *files)
        env = {**rasa_env(tmp / "serve-cache"), **processes.NO_RATE_LIMITS}
        base = f"http://127.0.0.1:{port}"
        with serving(args, ROOT, env, base, OURS_MESSAGES[0], "ours", {"actions": actions.pid}) as result:
            result["action_startup_s"] = action_startup
            yield result


def bench_cluster(tmp: Path, model: Path, levels: tuple) -> dict[str, Any]:
    """The same load through nginx to two Rasa servers (PostgreSQL, Redis, two action servers)."""
    workdir = tmp / "cluster"
    with cluster.cluster(workdir, env=processes.NO_RATE_LIMITS, model=model) as running:
        levels_run = measure_levels({"cluster": (running.webhook, OURS_MESSAGES)}, levels, rounds=1)
        result: dict[str, Any] = {"levels": levels_run["cluster"]}
        services = [running.nginx, running.postgres, running.redis, *running.rasa, *running.actions]
        result["rss_mib_after_run"] = {s.name: rss_mib(s.pid) for s in services}
        upstreams = [
            line.split("upstream=")[1].split(" ")[0]
            for line in running.access_log.read_text().splitlines()
            if " POST /webhooks/" in line
        ]
        result["turns_per_rasa_server"] = {u: upstreams.count(u) for u in sorted(set(upstreams))}
    for log in workdir.glob("*.log"):
        shutil.copy(log, LOGS / f"cluster-{log.name}")
    return result


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_mib": mem_kb // 1024,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rasa": metadata.version("rasa"),
        "rasa_sdk": metadata.version("rasa_sdk"),
        "tensorflow": metadata.version("tensorflow"),
    }


def rows(ours: dict[str, Any], starter: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    """(label, ours, starter) for the table; starter is None where it has no such part."""
    ours_total = sum(ours["rss_mib"].values())
    lines = [
        ("training time (s)", ours["train_s"], starter["train_s"]),
        ("server start-up (s)", ours["startup_s"], starter["startup_s"]),
        ("Rasa server RSS (MiB)", ours["rss_mib"]["rasa"], starter["rss_mib"]["rasa"]),
        ("action server RSS (MiB)", ours["rss_mib"]["actions"], None),
        ("total RSS (MiB)", ours_total, starter["rss_mib"]["rasa"]),
    ]
    for level in ours["levels"]:
        mine, theirs = ours["levels"][level], starter["levels"][level]
        lines += [
            (f"{level:>2} senders: turns/s", mine["turns_per_s"], theirs["turns_per_s"]),
            (f"{level:>2} senders: p50 (ms)", mine["p50_ms"], theirs["p50_ms"]),
            (f"{level:>2} senders: p95 (ms)", mine["p95_ms"], theirs["p95_ms"]),
        ]
    return lines


def table(lines: list[tuple[str, float, float | None]]) -> str:
    """The rows as an aligned text table with the ours/starter ratio."""
    out = [f"{'':26}{'ours':>10}{'starter':>10}{'ratio':>8}"]
    for label, mine, theirs in lines:
        other = f"{theirs:10.1f}" if theirs is not None else f"{'-':>10}"
        ratio = f"{mine / theirs:8.2f}" if theirs else f"{'-':>8}"
        out.append(f"{label:26}{mine:10.1f}{other}{ratio}")
    return "\n".join(out)


def goals(ours: dict[str, Any], starter: dict[str, Any]) -> dict[str, float]:
    """The issue's two yardsticks: throughput at 50 senders (want >= 2) and p50 at one (want <= 0.5)."""
    return {
        "throughput_50_ratio": ours["levels"]["50"]["turns_per_s"] / starter["levels"]["50"]["turns_per_s"],
        "p50_1_ratio": ours["levels"]["1"]["p50_ms"] / starter["levels"]["1"]["p50_ms"],
    }


def plot(report: dict[str, Any], path: Path) -> None:
    """p50/p95 latency and throughput against concurrency, one line per setup."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setups = [
        ("ours", "this bot (1 Rasa server, SQLite)", "tab:red"),
        ("starter", "rasa init starter bot", "tab:blue"),
        ("cluster", "this bot, cluster (2 Rasa servers, PostgreSQL, Redis, nginx)", "tab:green"),
    ]
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, label, colour in setups:
        if key not in report:
            continue
        levels = report[key]["levels"]
        x = [int(level) for level in levels]
        latency.plot(x, [levels[k]["p50_ms"] for k in levels], "o-", color=colour, label=f"{label}, p50")
        latency.plot(x, [levels[k]["p95_ms"] for k in levels], "s--", color=colour, alpha=0.6, label=f"{label}, p95")
        throughput.plot(x, [levels[k]["turns_per_s"] for k in levels], "o-", color=colour, label=label)
    for axes, title, unit in ((latency, "Turn latency", "ms"), (throughput, "Throughput", "turns per second")):
        axes.set_xscale("log")
        axes.set_xticks([1, 10, 50], ["1", "10", "50"])
        axes.set_xlabel("concurrent senders")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
    latency.set_yscale("log")
    throughput.set_ylim(bottom=0)
    latency.legend(fontsize=7)
    throughput.legend(fontsize=7)
    info = report["machine"]
    figure.suptitle(
        f"fanzha-zhushou vs Rasa starter bot — {info['date'][:10]}, {info['nproc']} cores, Rasa {info['rasa']}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def run(tmp: Path, quick: bool, with_cluster: bool, trained: Path | None) -> dict[str, Any]:
    """Train both bots one at a time, serve them side by side, then the cluster; `trained`: serve that
    model of ours."""
    levels = QUICK_LEVELS if quick else LEVELS
    rounds = 1 if quick else ROUNDS
    database_url = f"sqlite:///{tmp / 'knowledge.db'}"
    build(database_url)
    print("creating the starter bot (rasa init --no-prompt) ...", flush=True)
    project, init_s = starter_project(tmp)
    print("training the starter bot ...", flush=True)
    starter_train, starter_model = train(project, [], tmp / "starter-models", tmp / "starter-cache", "starter")
    if quick or trained:
        ours_train, ours_model = float("nan"), (trained or processes.MODEL).resolve()
        print(f"  {starter_train:.0f} s; not training ours, using {ours_model}", flush=True)
    else:
        print(f"  {starter_train:.0f} s; training ours ...", flush=True)
        ours_train, ours_model = train(
            ROOT, ["data/nlu", "data/rules", "data/stories"], tmp / "ours-models", tmp / "ours-cache", "ours"
        )
        print(f"  {ours_train:.0f} s", flush=True)
    # Warm the file cache for Rasa's server imports, so the server measured first is not
    # penalised for going first.
    run_logged([PYTHON, "-c", "import rasa.core.run, tensorflow"], ROOT, {}, LOGS / "warm-up.log")
    print(f"serving both bots; each level {rounds} times, the bots taking turns ...", flush=True)
    with (
        serving_starter(tmp, project, starter_model) as starter,
        serving_ours(tmp, ours_model, database_url) as ours,
    ):
        measured = measure_levels(
            {"starter": (starter["webhook"], STARTER_MESSAGES), "ours": (ours["webhook"], OURS_MESSAGES)},
            levels,
            rounds,
        )
    starter.update(train_s=starter_train, init_s=init_s, model_mib=starter_model.stat().st_size / 2**20)
    starter["levels"] = measured["starter"]
    ours.update(train_s=ours_train, model_mib=ours_model.stat().st_size / 2**20)
    ours["levels"] = measured["ours"]
    results = {"ours": ours, "starter": starter}
    if with_cluster:
        print("serving ours as a cluster ...", flush=True)
        results["cluster"] = bench_cluster(tmp, ours_model, levels)
    return results


def raise_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="development: no training of ours, few turns")
    parser.add_argument("--no-cluster", action="store_true", help="skip the two-server cluster")
    parser.add_argument("--model", type=Path, help="serve this trained model of ours (its training is not timed)")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, raise_on_term)  # so every server is stopped on kill too
    LOGS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as tmp:
        results = run(Path(tmp), options.quick, not options.no_cluster, options.model)
    lines = rows(results["ours"], results["starter"])
    report = {
        "machine": machine(),
        "quick": options.quick,
        "warmup": WARMUP,
        "conversation_turns": CONVERSATION_TURNS,
        **results,
        "table": {label: {"ours": a, "starter": b, "ratio": a / b if b else None} for label, a, b in lines},
        "goals": goals(results["ours"], results["starter"]),
        "total_runtime_s": time.monotonic() - began,
    }
    if "cluster" in results:
        report["goals"]["cluster_throughput_50"] = results["cluster"]["levels"]["50"]["turns_per_s"]
        report["goals"]["cluster_vs_one_server_50"] = (
            results["cluster"]["levels"]["50"]["turns_per_s"] / results["ours"]["levels"]["50"]["turns_per_s"]
        )
    name = "bench-quick" if options.quick else "bench"
    (OUT / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    plot(report, OUT / f"{name}.png")
    info = report["machine"]
    print(f"\n{info['date']}  nproc={info['nproc']}  Python {info['python']}  Rasa {info['rasa']}")
    print(table(lines))
    if "cluster" in results:
        levels = results["cluster"]["levels"]
        print(
            "cluster (2 Rasa servers): "
            + ", ".join(
                f"{k} senders {v['turns_per_s']:.1f} turns/s p50 {v['p50_ms']:.0f} ms" for k, v in levels.items()
            )
        )
    print("goals: " + ", ".join(f"{k} {v:.2f}" for k, v in report["goals"].items()))
    print(f"total runtime {report['total_runtime_s']:.0f} s -> {(OUT / name).relative_to(ROOT)}.json/.png")


if __name__ == "__main__":
    main()
