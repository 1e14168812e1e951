"""Build Rasa's credentials from the environment: a channel is on only when configured.

`python -m bot.credentials PATH` writes the file `make run` starts Rasa with.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

TELEGRAM_API = "https://api.telegram.org"
WECHAT_API = "https://api.weixin.qq.com"


def credentials(env: os._Environ | dict = os.environ) -> dict[str, Any]:
    """REST always; Telegram when TELEGRAM_TOKEN is set; WeChat when WECHAT_TOKEN is set."""
    out: dict[str, Any] = {"bot.channels.rest.RestInput": None}
    if env.get("TELEGRAM_TOKEN"):
        out["bot.channels.telegram.TelegramInput"] = {
            "access_token": env["TELEGRAM_TOKEN"],
            "verify": env.get("TELEGRAM_BOT_NAME", ""),
            "webhook_url": env.get("TELEGRAM_WEBHOOK_URL", ""),
            "secret_token": env.get("TELEGRAM_SECRET", ""),
            "api_base_url": env.get("TELEGRAM_API_URL", TELEGRAM_API),
        }
    if env.get("WECHAT_TOKEN"):
        out["bot.channels.wechat.WeChatInput"] = {
            "token": env["WECHAT_TOKEN"],
            "app_id": env.get("WECHAT_APP_ID", ""),
            "app_secret": env.get("WECHAT_APP_SECRET", ""),
            "encoding_aes_key": env.get("WECHAT_AES_KEY", ""),
            "api_base_url": env.get("WECHAT_API_URL", WECHAT_API),
            "reply_timeout": float(env.get("WECHAT_REPLY_TIMEOUT", "4.0")),
        }
    return out


if __name__ == "__main__":
    Path(sys.argv[1]).parent.mkdir(parents=True, exist_ok=True)
    Path(sys.argv[1]).write_text(yaml.safe_dump(credentials(), allow_unicode=True), encoding="utf-8")
