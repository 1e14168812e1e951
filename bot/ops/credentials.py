"""Build Rasa's credentials from the environment: a channel is on only when configured.

`python -m bot.ops.credentials PATH` writes the file `make run` starts Rasa with.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.settings import TELEGRAM_API, WECHAT_API


def credentials(env: os._Environ | dict = os.environ) -> dict[str, Any]:
    """REST always; Telegram when TELEGRAM_TOKEN is set; WeChat when WECHAT_TOKEN is set."""
    out: dict[str, Any] = {"bot.rasa_server.channels.rest.RestInput": None}
    if env.get("TELEGRAM_TOKEN"):
        out["bot.rasa_server.channels.telegram.TelegramInput"] = {
            "access_token": env["TELEGRAM_TOKEN"],
            "verify": env.get("TELEGRAM_BOT_NAME", ""),
            "webhook_url": env.get("TELEGRAM_WEBHOOK_URL", ""),
            "secret_token": env.get("TELEGRAM_SECRET", ""),
            "api_base_url": env.get("TELEGRAM_API_URL", TELEGRAM_API),
        }
    if env.get("WECHAT_TOKEN"):
        out["bot.rasa_server.channels.wechat.WeChatInput"] = {
            "token": env["WECHAT_TOKEN"],
            "app_id": env.get("WECHAT_APP_ID", ""),
            "app_secret": env.get("WECHAT_APP_SECRET", ""),
            "encoding_aes_key": env.get("WECHAT_AES_KEY", ""),
            "api_base_url": env.get("WECHAT_API_URL", WECHAT_API),
            "reply_timeout": float(env.get("WECHAT_REPLY_TIMEOUT", "4.0")),
        }
    return out


def write(path: Path, env: os._Environ | dict = os.environ) -> None:
    """Write the credentials readable by the owner only (0600): they hold tokens and keys.

    The file is created 0600 beside the target and renamed over it, so the secrets are
    never readable by others, not even while an older world-readable file is replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)  # a leftover partial file keeps its old mode otherwise
            out.write(yaml.safe_dump(credentials(env), allow_unicode=True))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    write(Path(sys.argv[1]))
