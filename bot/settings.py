"""Runtime settings: the one place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"
#: The platforms' APIs the Telegram and WeChat channels call unless their credentials name another.
TELEGRAM_API = "https://api.telegram.org"
WECHAT_API = "https://api.weixin.qq.com"

#: The optional channels' credentials: each key, the environment variable it comes from and its
#: default (whose type the value gets). A channel is on when its first variable is set.
TELEGRAM_CREDENTIALS = (
    ("access_token", "TELEGRAM_TOKEN", ""),
    ("verify", "TELEGRAM_BOT_NAME", ""),
    ("webhook_url", "TELEGRAM_WEBHOOK_URL", ""),
    ("secret_token", "TELEGRAM_SECRET", ""),
    ("api_base_url", "TELEGRAM_API_URL", TELEGRAM_API),
)
WECHAT_CREDENTIALS = (
    ("token", "WECHAT_TOKEN", ""),
    ("app_id", "WECHAT_APP_ID", ""),
    ("app_secret", "WECHAT_APP_SECRET", ""),
    ("encoding_aes_key", "WECHAT_AES_KEY", ""),
    ("api_base_url", "WECHAT_API_URL", WECHAT_API),
    ("reply_timeout", "WECHAT_REPLY_TIMEOUT", 4.0),
)
REST_CHANNEL = "bot.rasa_server.channels.rest.RestInput"
OPTIONAL_CHANNELS = {
    "bot.rasa_server.channels.telegram.TelegramInput": TELEGRAM_CREDENTIALS,
    "bot.rasa_server.channels.wechat.WeChatInput": WECHAT_CREDENTIALS,
}


def filled(fields: tuple[tuple[str, str, Any], ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` by credential key, each missing or empty one replaced by its default."""
    return {key: type(default)(values.get(key) or default) for key, _, default in fields}


def channel_credentials(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Rasa's credentials: REST always; Telegram when TELEGRAM_TOKEN is set; WeChat when WECHAT_TOKEN is set."""
    env = os.environ if env is None else env
    out: dict[str, Any] = {REST_CHANNEL: None}
    for channel, fields in OPTIONAL_CHANNELS.items():
        if env.get(fields[0][1]):
            out[channel] = filled(fields, {key: env.get(variable) for key, variable, _ in fields})
    return out


def var_dir() -> Path:
    """Folder for runtime files (SQLite databases, logs); never committed."""
    return Path(os.environ.get("FANZHA_VAR_DIR", ROOT / "var"))


def database_url() -> str:
    """SQLAlchemy URL of the knowledge store: `DATABASE_URL`, else a SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'knowledge.db'}"


def action_timeout() -> float:
    """Seconds one turn may spend waiting for the action server before the fallback reply (`ACTION_TIMEOUT`)."""
    return float(os.environ.get("ACTION_TIMEOUT", "5"))


def rate_limit() -> int:
    """Messages one sender may send per minute (`RATE_LIMIT_PER_MINUTE`)."""
    return int(os.environ.get("RATE_LIMIT_PER_MINUTE", "20"))


def rate_limit_per_address() -> int:
    """Messages one client address may send per minute over REST (`RATE_LIMIT_PER_ADDRESS`)."""
    return int(os.environ.get("RATE_LIMIT_PER_ADDRESS", "60"))


def new_conversations_per_minute() -> int:
    """New REST conversations (sender ids) one client address may open per minute."""
    return int(os.environ.get("NEW_CONVERSATIONS_PER_MINUTE", "10"))


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Proxies whose X-Forwarded-For names the real client (`TRUSTED_PROXIES`: IPs or CIDRs, comma-separated).

    Empty by default: the forwarded header is then ignored, since any caller can set it.
    """
    raw = os.environ.get("TRUSTED_PROXIES", "").replace(",", " ").split()
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in raw)


def tracker_db_url() -> str:
    """Where conversations are kept: `TRACKER_DB_URL`, else a SQLite file under var/."""
    return os.environ.get("TRACKER_DB_URL") or f"sqlite:///{var_dir() / 'tracker.db'}"


def retention_days() -> int:
    """Conversations idle for longer than this are deleted by `make retention`."""
    return int(os.environ.get("RETENTION_DAYS", "30"))


def redis_url() -> str:
    """Redis shared by several Rasa servers for the channels' state (`REDIS_URL`); empty: in-process."""
    return os.environ.get("REDIS_URL", "")
