"""Benchmark screenshot checks: OCR time per screenshot, and whether text turns keep their speed meanwhile.

Starts the action server and a Rasa server (REST, trained models/fanzha.tar.gz) on free ports, then:
1. OCR alone: the OCR worker (bot/rasa_server/screenshot.py) reads each test screenshot (scripts/
   screenshots.py: SMS, chat, payment page) `--rounds` times; p50/p95 per screenshot.
2. Screenshot turns over REST (upload, OCR, redaction, the analysis): p50/p95.
3. Text turns (`--senders` users at once) alone, then again while `--pictures` users keep
   sending screenshots: text p50/p95 with and without concurrent screenshot checks.
Writes results/bench/ocr.json. `make bench` runs it after scripts/bench.py.
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
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.knowledge.loader import build  # noqa: E402
from bot.rasa_server.screenshot import OcrService  # noqa: E402
from deploy import processes  # noqa: E402
from scripts import screenshots  # noqa: E402

OUT = ROOT / "results" / "bench"
MODEL = processes.MODEL
TURN_TIMEOUT = 180
TEXTS = [
    "刚才有人自称快递客服打电话，说要给我理赔，让我下载一个会议软件共享屏幕，这是骗子吗",
    "有人出800块一个月租我的银行卡，可以做吗",
    "我刚被骗了两万块钱，怎么办",
    "这个网址是银行官网吗，让我输验证码",
    "帮信罪一般会判几年",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": statistics.median(values),
        "p95_ms": percentile(values, 0.95),
        "max_ms": max(values),
    }


def ocr_alone(rounds: int) -> dict[str, Any]:
    """The worker's time per screenshot (its start-up and first read are left out)."""
    service, shots = OcrService(), screenshots.samples()
    asyncio.run(service.read(next(iter(shots.values()))))
    times: dict[str, list[float]] = {name: [] for name in shots}
    for _ in range(rounds):
        for name, data in shots.items():
            began = time.perf_counter()
            status = asyncio.run(service.read(data)).status
            times[name].append((time.perf_counter() - began) * 1000)
            if status != "ok":
                raise RuntimeError(f"{name} was not read: {status}")
    every = [t for values in times.values() for t in values]
    return {"all": summary(every), "per_screenshot": {name: summary(v) for name, v in times.items()}}


async def text_user(
    session: aiohttp.ClientSession, base: str, name: str, turns: int, out: list[float], pause: float = 0.0
) -> None:
    """`turns` text turns one after the other, `pause` seconds apart (a person reading the answer)."""
    for turn in range(turns):
        await asyncio.sleep(pause)
        body = {"sender": f"{name}-{turn // 5}", "message": TEXTS[turn % len(TEXTS)]}
        began = time.perf_counter()
        async with session.post(f"{base}/webhooks/rest/webhook", json=body) as reply:
            await reply.read()
            if reply.status == 200:
                out.append((time.perf_counter() - began) * 1000)


async def send_picture(session: aiohttp.ClientSession, base: str, sender: str, data: bytes) -> float | None:
    """One screenshot turn over REST: its time in ms, or None if the picture's text was not read."""
    form = aiohttp.FormData()
    form.add_field("sender", sender)
    form.add_field("image", data, filename="shot.png", content_type="image/png")
    began = time.perf_counter()
    async with session.post(f"{base}/webhooks/rest/screenshot", data=form) as reply:
        replies = await reply.json(content_type=None)
    read = reply.status == 200 and any("识别出的文字" in r.get("text", "") for r in replies or [])
    return (time.perf_counter() - began) * 1000 if read else None


async def picture_user(
    session: aiohttp.ClientSession, base: str, name: str, stop: asyncio.Event, out: list[float]
) -> None:
    shots = list(screenshots.samples().values())
    turn = 0
    while not stop.is_set():
        elapsed = await send_picture(session, base, f"{name}-{turn}", shots[turn % len(shots)])
        if elapsed is not None:
            out.append(elapsed)
        turn += 1


async def warm_up(base: str) -> None:
    """A few text turns and one screenshot, so the OCR worker and the model are loaded."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as session:
        await text_user(session, base, "warmup", 5, [])
        if await send_picture(session, base, "warmup-picture", screenshots.samples()["sms_bank_link"]) is None:
            raise RuntimeError("the warm-up screenshot was not read")


async def text_turns(
    base: str, senders: int, turns: int, pictures_at_once: int, tag: str, pause: float
) -> dict[str, Any]:
    """Text latency with `pictures_at_once` users sending screenshots all the while."""
    texts: list[float] = []
    shots: list[float] = []
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT)
    load = os.getloadavg()[0]
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        background = [
            asyncio.create_task(picture_user(session, base, f"{tag}-pic{n}", stop, shots))
            for n in range(pictures_at_once)
        ]
        if background:
            await asyncio.sleep(3)  # the screenshots are under way before the text turns start
        await asyncio.gather(*(text_user(session, base, f"{tag}-text{n}", turns, texts, pause) for n in range(senders)))
        stop.set()
        await asyncio.gather(*background)
    result = {"text": summary(texts), "loadavg_1min": [load, os.getloadavg()[0]]}
    if shots:
        result["screenshot_turns"] = summary(shots)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="OCR-alone reads of each screenshot")
    parser.add_argument("--senders", type=int, default=2, help="text users at once")
    parser.add_argument("--turns", type=int, default=30, help="text turns per user")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between a user's text turns")
    parser.add_argument("--pictures", type=int, default=2, help="screenshot users at once during the text turns")
    args = parser.parse_args()
    if not MODEL.exists():
        sys.exit(f"{MODEL} is missing: run `make train` first")
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg": os.getloadavg()},
        "settings": vars(args),
    }
    print("OCR alone …", flush=True)
    report["ocr_alone"] = ocr_alone(args.rounds)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        database = f"sqlite:///{work / 'knowledge.db'}"
        build(database)
        action_port, rasa_port = processes.free_port(), processes.free_port()
        endpoints = {
            "action_endpoint": processes.endpoint("action_endpoint", f"http://127.0.0.1:{action_port}/webhook"),
            "tracker_store": processes.endpoint("tracker_store", f"sqlite:///{work / 'tracker.db'}"),
        }
        files = processes.server_files(work, rasa_port, {"bot.rasa_server.channels.rest.RestInput": None}, endpoints)
        env = {"DATABASE_URL": database, "RASA_TELEMETRY_ENABLED": "false", **processes.NO_RATE_LIMITS}
        stack.enter_context(processes.action_server(work, env, action_port))
        rasa = stack.enter_context(
            processes.server(
                "rasa",
                processes.rasa_server_args(MODEL, rasa_port, *files),
                f"http://127.0.0.1:{rasa_port}/",
                work / "rasa.log",
                env,
            )
        )
        base = rasa.url
        print("warm-up …", flush=True)
        asyncio.run(warm_up(base))
        print("text turns alone …", flush=True)
        report["text_alone"] = asyncio.run(text_turns(base, args.senders, args.turns, 0, "alone", args.pause))
        print("text turns with screenshots …", flush=True)
        report["text_with_screenshots"] = asyncio.run(
            text_turns(base, args.senders, args.turns, args.pictures, "mixed", args.pause)
        )
    (OUT / "ocr.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    alone, mixed = report["text_alone"]["text"], report["text_with_screenshots"]["text"]
    ocr = report["ocr_alone"]["all"]
    print(f"OCR per screenshot: p50 {ocr['p50_ms']:.0f} ms, p95 {ocr['p95_ms']:.0f} ms ({ocr['n']} reads)")
    if "screenshot_turns" in report["text_with_screenshots"]:
        shots = report["text_with_screenshots"]["screenshot_turns"]
        print(f"screenshot turns over REST: p50 {shots['p50_ms']:.0f} ms, p95 {shots['p95_ms']:.0f} ms")
    print(
        f"text turns alone: p50 {alone['p50_ms']:.0f} ms, p95 {alone['p95_ms']:.0f} ms; "
        f"with screenshots: p50 {mixed['p50_ms']:.0f} ms, p95 {mixed['p95_ms']:.0f} ms"
    )
    print(f"wrote {OUT / 'ocr.json'}")


if __name__ == "__main__":
    main()
