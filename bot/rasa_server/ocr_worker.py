"""The OCR worker process: decodes one picture at a time, within caps, and reads its text with RapidOCR.

Started by `bot.rasa_server.screenshot` as `python -m bot.rasa_server.ocr_worker`, at low priority and on one thread, so
that decoding and the model's CPU time never hold up the Rasa server's event loop or its text turns,
and a picture that takes too long can be killed with its process. Frames on stdin and stdout are a
4-byte big-endian length and a body: picture bytes in, a JSON object out. Nothing of the picture
or its text is logged.
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
from io import BytesIO
from typing import Any, BinaryIO

#: Pictures with more pixels than this (after a JPEG's cheap reduced decoding) are refused.
MAX_PIXELS = 40_000_000
#: The longest side the model is given; RapidOCR itself reads at most 2000.
MAX_SIDE = 2000
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF"})
#: Text pieces the model is less sure of than this are dropped (noise reads as short, unsure pieces).
MIN_SCORE = 0.6
#: Fewer readable characters than this is "no message text in the picture".
MIN_CHARS = 4
_READABLE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
HEADER = struct.Struct(">I")


def prepare(data: bytes) -> Any:
    """The picture as a BGR array at most MAX_SIDE on its longest side, or a status string if refused."""
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # checked below, after a JPEG's reduced decoding is chosen
    try:
        image = Image.open(BytesIO(data))
        if image.format not in FORMATS:
            return "not_image"
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2..1/8 scale, cheaply
        width, height = image.size
        if width * height > MAX_PIXELS:
            return "too_large"
        image = ImageOps.exif_transpose(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return "not_image"
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    return np.asarray(image)[:, :, ::-1].copy()


def assemble(result: list | None) -> str:
    """RapidOCR's boxes as text: rows top to bottom, a message's wrapped lines joined into one.

    A wrapped line starts at the same left edge, right under the previous one; a gap or an indent
    starts a new line (another bubble, the time, the sender). Wrapped lines are glued without a
    space: phones wrap Chinese and links anywhere, and a link must stay whole to be judged.
    """
    pieces = []
    for box, text, score in result or []:
        text = str(text).strip()
        if float(score) < MIN_SCORE or not _READABLE.search(text):
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        pieces.append((min(ys), max(ys), min(xs), text))
    rows: list[list] = []  # [top, bottom, left, text]
    for top, bottom, left, text in sorted(pieces):
        row = rows[-1] if rows else None
        if row and top < (row[0] + row[1]) / 2 < bottom:  # same row: another piece to its side
            row[1], row[2], row[3] = max(row[1], bottom), min(row[2], left), row[3] + " " + text
            continue
        rows.append([top, bottom, left, text])
    lines: list[list] = []
    for top, bottom, left, text in rows:
        height = bottom - top
        last = lines[-1] if lines else None
        if last and top - last[1] < 0.6 * height and abs(left - last[2]) < 1.5 * height:
            last[1], last[3] = bottom, last[3] + text
        else:
            lines.append([top, bottom, left, text])
    return "\n".join(line[3] for line in lines)


def read(engine: Any, data: bytes) -> dict:
    """{"status": "ok", "text": ...}, or a status saying why there is no text."""
    image = prepare(data)
    if isinstance(image, str):
        return {"status": image}
    result, _ = engine(image, use_cls=False)  # screenshots are upright
    text = assemble(result)
    if len(_READABLE.findall(text)) < MIN_CHARS:
        return {"status": "no_text"}
    return {"status": "ok", "text": text}


def engine() -> Any:
    """RapidOCR on one thread (its models ship in the wheel: nothing is downloaded)."""
    from rapidocr_onnxruntime import RapidOCR

    threads = {f"{stage}_{kind}_op_num_threads": 1 for stage in ("det", "cls", "rec") for kind in ("intra", "inter")}
    return RapidOCR(**threads)


def _read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return stream.read(HEADER.unpack(header)[0])


def _write_frame(stream: BinaryIO, reply: dict) -> None:
    body = json.dumps(reply, ensure_ascii=False).encode("utf-8")
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """Say "ready" once the model is loaded, then answer frames until the parent closes the pipe."""
    ocr = engine()
    _write_frame(replies, {"status": "ready"})
    while (data := _read_frame(requests)) is not None:
        try:
            reply = read(ocr, data)
        except Exception as error:
            reply = {"status": "failed", "error": type(error).__name__}
        _write_frame(replies, reply)


def main() -> None:
    os.nice(10)  # text turns first: the OCR worker gets what CPU they leave
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # stray prints from libraries must not corrupt the frames
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
