"""How the session's Rasa server and the cluster are set up: channels at local fakes, API token, CORS,
action timeout, rate limits."""

TELEGRAM_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
TELEGRAM_BOT_NAME = "fanzha_test_bot"
TELEGRAM_SECRET = "test-secret_Token-42"
TELEGRAM_WEBHOOK_URL = "https://fanzha.example.org/webhooks/telegram/webhook"

# WeChat's official safe-mode sample (token spamtest).
WECHAT_TOKEN = "spamtest"
WECHAT_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WECHAT_APP_ID = "wx5823bf96d3bd56c7"
WECHAT_APP_SECRET = "fake-app-secret"
WECHAT_REPLY_TIMEOUT = 4.0  # the default passive-reply budget

API_TOKEN = "s3cret-token"  # --auth-token of Rasa's HTTP API
CORS_ORIGIN = "http://127.0.0.1:8080"  # an origin the server allows besides the chat page's
ACTION_TIMEOUT = 5.0  # seconds a turn may wait for the action server (the default)

# The cluster's servers (tests/test_cluster.py): every test client is 127.0.0.1, so only the
# per-sender limit is left low, to be tested. A killed server's conversation locks last 10 s
# instead of deploy/cluster.py's 20 (turns here take well under a second): the turns nginx
# retries on the other server wait that long.
CLUSTER_PER_SENDER_LIMIT = 8
CLUSTER_ENV = {
    "RATE_LIMIT_PER_MINUTE": str(CLUSTER_PER_SENDER_LIMIT),
    "RATE_LIMIT_PER_ADDRESS": "100000",
    "NEW_CONVERSATIONS_PER_MINUTE": "100000",
    "TICKET_LOCK_LIFETIME": "10",
}


def api(rasa_url: str, path: str) -> str:
    """URL of an HTTP API endpoint, with the token."""
    return f"{rasa_url}{path}?token={API_TOKEN}"


def channels(telegram_api: str, wechat_api: str) -> dict:
    """credentials.yml with every channel, the third-party APIs at local fakes."""
    return {
        "bot.rasa_server.channels.rest.RestInput": None,
        "bot.rasa_server.channels.telegram.TelegramInput": {
            "access_token": TELEGRAM_TOKEN,
            "verify": TELEGRAM_BOT_NAME,
            "webhook_url": TELEGRAM_WEBHOOK_URL,
            "secret_token": TELEGRAM_SECRET,
            "api_base_url": telegram_api,
        },
        "bot.rasa_server.channels.wechat.WeChatInput": {
            "token": WECHAT_TOKEN,
            "app_id": WECHAT_APP_ID,
            "app_secret": WECHAT_APP_SECRET,
            "encoding_aes_key": WECHAT_AES_KEY,
            "api_base_url": wechat_api,
            "reply_timeout": WECHAT_REPLY_TIMEOUT,
        },
    }
