"""Benchmark 反诈助手 against Rasa's starter bot (moodbot) on this machine.

For each bot: `rasa train` from scratch with a cold cache, server start-up time,
resident memory after warm-up, and REST turn latency over 200 sequential messages.
Prints a table and writes results/bench/bench.json (logs in results/bench/logs/).
Run from the repository root: `make bench` or `.venv/bin/python scripts/bench.py`.
"""

from __future__ import annotations

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
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.knowledge.loader import build  # noqa: E402
from tests.support import servers  # noqa: E402

OUT = ROOT / "results" / "bench"
LOGS = OUT / "logs"
RASA = str(servers.BIN / "rasa")
PYTHON = str(servers.BIN / "python")
TURNS = 200
WARMUP = 5
PER_SENDER = 10  # our channel allows 20 messages a minute per sender
TRAIN_TIMEOUT = 900
START_TIMEOUT = 240
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy

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
    "hi", "I am sad", "yes", "bye", "hello there",
    "I'm feeling great", "are you a bot?", "good morning", "very unhappy today", "no",
    "hey", "I am amazing", "goodbye", "hello", "my day was horrible",
    "yes it did", "am I talking to a human?", "great", "not really", "see you later",
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
        done = subprocess.run(args, cwd=cwd, env={**os.environ, **env}, stdout=out,
                              stderr=subprocess.STDOUT, timeout=TRAIN_TIMEOUT)
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
    seconds = run_logged([RASA, "init", "--no-prompt"], project,
                         rasa_env(tmp / "init-cache"), LOGS / "init-starter.log")
    shutil.rmtree(project / "models", ignore_errors=True)
    shutil.rmtree(tmp / "init-cache", ignore_errors=True)
    return project, seconds


def poll(check: Callable[[], Any], process: subprocess.Popen, log: Path, timeout: float) -> Any:
    """Call `check` every 0.1 s until it returns a value; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            return check()
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer in {timeout} s:\n{log.read_text()[-4000:]}")


def get(url: str) -> int:
    with HTTP.open(url, timeout=5) as response:
        return response.status


def post(url: str, sender: str, text: str) -> list[dict]:
    """One REST turn: the bot's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with HTTP.open(request, timeout=60) as response:
        return json.load(response)


def stop(process: subprocess.Popen) -> None:
    """Terminate a process we started (and its own process group), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@contextlib.contextmanager
def launched(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen, float]]:
    """Start a server in its own process group; yields (process, monotonic start time)."""
    with open(log, "wb") as out:
        start = time.monotonic()
        process = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env}, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process, start
        finally:
            stop(process)


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


def measure_turns(webhook: str, messages: list[str], prefix: str) -> dict[str, Any]:
    """Send TURNS messages sequentially, a new sender every PER_SENDER; latency in ms."""
    latencies, empty, failed = [], 0, 0
    for i in range(TURNS):
        start = time.perf_counter()
        try:
            replies = post(webhook, f"{prefix}-{i // PER_SENDER}", messages[i % len(messages)])
        except OSError:
            failed += 1
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        empty += not replies
    if not latencies:
        raise RuntimeError(f"every turn to {webhook} failed")
    return {
        "turns": TURNS, "failed": failed, "empty_replies": empty,
        "median_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95),
        "mean_ms": statistics.fmean(latencies), "max_ms": max(latencies),
    }


def rasa_server_args(model: Path, port: int, workdir: Path, credentials: dict, endpoints: dict) -> list[str]:
    """Command line of `rasa run` with the given model, channel and endpoints."""
    credentials_file, endpoints_file = workdir / f"credentials-{port}.yml", workdir / f"endpoints-{port}.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    endpoints_file.write_text(yaml.safe_dump(endpoints))
    return [RASA, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
            "--credentials", str(credentials_file), "--endpoints", str(endpoints_file)]


def bench_server(args: list[str], cwd: Path, env: dict[str, str], base: str,
                 messages: list[str], name: str, extra_pids: dict[str, int]) -> dict[str, Any]:
    """Start a Rasa server and measure start-up, memory and latency; stops it afterwards."""
    log = LOGS / f"rasa-{name}.log"
    with launched(args, cwd, env, log) as (process, start):
        poll(lambda: get(f"{base}/webhooks/rest/"), process, log, START_TIMEOUT)
        listening = time.monotonic() - start
        poll(lambda: post(f"{base}/webhooks/rest/webhook", f"{name}-probe", messages[0]),
             process, log, START_TIMEOUT)
        result: dict[str, Any] = {"listening_s": listening, "startup_s": time.monotonic() - start}
        for i in range(WARMUP):
            post(f"{base}/webhooks/rest/webhook", f"{name}-warmup", messages[i])
        pids = {"rasa": process.pid, **extra_pids}
        result["rss_mib"] = {role: rss_mib(pid) for role, pid in pids.items()}
        result.update(measure_turns(f"{base}/webhooks/rest/webhook", messages, f"{name}-bench"))
        result["rss_mib_after_run"] = {role: rss_mib(pid) for role, pid in pids.items()}
    return result


def bench_starter(tmp: Path, project: Path, model: Path) -> dict[str, Any]:
    """The starter bot's server: stock REST channel, no action server."""
    port = servers.free_port()
    args = rasa_server_args(model, port, tmp, {"rest": None}, {})
    return bench_server(args, project, rasa_env(tmp / "serve-cache"), f"http://127.0.0.1:{port}",
                        STARTER_MESSAGES, "starter", {})


def bench_ours(tmp: Path, model: Path, database_url: str) -> dict[str, Any]:
    """Our action server (temporary knowledge store) and Rasa server with the custom REST channel and SQL tracker store."""
    action_port, port = servers.free_port(), servers.free_port()
    action_args = [PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)]
    action_env = {"SANIC_HOST": "127.0.0.1", "DATABASE_URL": database_url, "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = LOGS / "actions-ours.log"
    with launched(action_args, ROOT, action_env, log) as (actions, start):
        poll(lambda: get(f"http://127.0.0.1:{action_port}/health"), actions, log, START_TIMEOUT)
        action_startup = time.monotonic() - start
        endpoints = {  # as deployed: action server and the persistent tracker store
            "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"},
            "tracker_store": {"type": "bot.tracker_store.PersistentTrackerStore",
                              "url": f"sqlite:///{tmp / 'tracker.db'}"},
        }
        args = rasa_server_args(model, port, tmp, {"bot.channels.rest.RestInput": None}, endpoints)
        result = bench_server(args, ROOT, rasa_env(tmp / "serve-cache"), f"http://127.0.0.1:{port}",
                              OURS_MESSAGES, "ours", {"actions": actions.pid})
    result["action_startup_s"] = action_startup
    return result


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory_mib": mem_kb // 1024,
        "platform": platform.platform(), "python": platform.python_version(),
        "rasa": metadata.version("rasa"), "rasa_sdk": metadata.version("rasa_sdk"),
        "tensorflow": metadata.version("tensorflow"),
    }


def rows(ours: dict[str, Any], starter: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    """(label, ours, starter) for the table; starter is None where it has no such part."""
    ours_total = sum(ours["rss_mib"].values())
    return [
        ("training time (s)", ours["train_s"], starter["train_s"]),
        ("server start-up (s)", ours["startup_s"], starter["startup_s"]),
        ("Rasa server RSS (MiB)", ours["rss_mib"]["rasa"], starter["rss_mib"]["rasa"]),
        ("action server RSS (MiB)", ours["rss_mib"]["actions"], None),
        ("total RSS (MiB)", ours_total, starter["rss_mib"]["rasa"]),
        ("median turn latency (ms)", ours["median_ms"], starter["median_ms"]),
        ("p95 turn latency (ms)", ours["p95_ms"], starter["p95_ms"]),
    ]


def table(lines: list[tuple[str, float, float | None]]) -> str:
    """The rows as an aligned text table with the ours/starter ratio."""
    out = [f"{'':26}{'ours':>10}{'starter':>10}{'ratio':>8}"]
    for label, mine, theirs in lines:
        other = f"{theirs:10.1f}" if theirs is not None else f"{'-':>10}"
        ratio = f"{mine / theirs:8.2f}" if theirs else f"{'-':>8}"
        out.append(f"{label:26}{mine:10.1f}{other}{ratio}")
    return "\n".join(out)


def run(tmp: Path) -> dict[str, Any]:
    """Train and serve both bots, one at a time."""
    database_url = f"sqlite:///{tmp / 'knowledge.db'}"
    build(database_url)
    print("creating the starter bot (rasa init --no-prompt) ...", flush=True)
    project, init_s = starter_project(tmp)
    print("training the starter bot ...", flush=True)
    starter_train, starter_model = train(project, [], tmp / "starter-models", tmp / "starter-cache", "starter")
    print(f"  {starter_train:.0f} s; training ours ...", flush=True)
    ours_train, ours_model = train(ROOT, ["data/nlu", "data/rules", "data/stories"],
                                   tmp / "ours-models", tmp / "ours-cache", "ours")
    # Warm the file cache for Rasa's server imports, so the server measured first is not
    # penalised for going first.
    run_logged([PYTHON, "-c", "import rasa.core.run, tensorflow"], ROOT, {}, LOGS / "warm-up.log")
    print(f"  {ours_train:.0f} s; serving the starter bot ...", flush=True)
    starter = {"train_s": starter_train, "init_s": init_s, "model_mib": starter_model.stat().st_size / 2**20,
               **bench_starter(tmp, project, starter_model)}
    print("serving ours ...", flush=True)
    ours = {"train_s": ours_train, "model_mib": ours_model.stat().st_size / 2**20,
            **bench_ours(tmp, ours_model, database_url)}
    return {"ours": ours, "starter": starter}


def raise_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    signal.signal(signal.SIGTERM, raise_on_term)  # so every server is stopped on kill too
    LOGS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as tmp:
        results = run(Path(tmp))
    lines = rows(results["ours"], results["starter"])
    report = {
        "machine": machine(), "turns": TURNS, "warmup": WARMUP, "messages_per_sender": PER_SENDER,
        **results, "table": {label: {"ours": a, "starter": b, "ratio": a / b if b else None}
                             for label, a, b in lines},
        "total_runtime_s": time.monotonic() - began,
    }
    (OUT / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    info = report["machine"]
    print(f"\n{info['date']}  nproc={info['nproc']}  Python {info['python']}  Rasa {info['rasa']}")
    print(table(lines))
    print(f"total runtime {report['total_runtime_s']:.0f} s -> {(OUT / 'bench.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
