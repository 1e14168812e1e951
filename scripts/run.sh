#!/usr/bin/env bash
# Start the action server and the Rasa server (REST channel + HTTP API) on localhost.
# `scripts/run.sh shell` talks to the bot in the terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${FANZHA_HOST:-127.0.0.1}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"

trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM

SANIC_HOST=127.0.0.1 .venv/bin/python -m rasa_sdk --actions actions --port "$ACTION_PORT" &

if [ "${1:-}" = "shell" ]; then
  .venv/bin/rasa shell --model models/fanzha.tar.gz --endpoints endpoints.yml
  exit
fi

auth=()
[ -n "${RASA_TOKEN:-}" ] && auth=(--auth-token "$RASA_TOKEN")
echo "反诈助手 is starting on http://$HOST:$RASA_PORT"
echo "  chat:  curl -s -XPOST http://$HOST:$RASA_PORT/webhooks/rest/webhook -d '{\"sender\":\"a\",\"message\":\"我被骗了两万怎么办\"}'"
echo "  parse: curl -s -XPOST http://$HOST:$RASA_PORT/model/parse -d '{\"text\":\"有人要租我的银行卡\"}'"
.venv/bin/rasa run --model models/fanzha.tar.gz --interface "$HOST" --port "$RASA_PORT" \
  --enable-api "${auth[@]}" --credentials credentials.yml --endpoints endpoints.yml &
wait -n
