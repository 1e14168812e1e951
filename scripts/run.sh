#!/usr/bin/env bash
# Start the action server, the Rasa server (REST channel + HTTP API) and the chat page.
# `scripts/run.sh shell` talks to the bot in the terminal instead.
# Every port setting reaches every place that uses it: ACTION_PORT the action server and
# Rasa's action endpoint (endpoints.yml), RASA_PORT Rasa and the page's Rasa URL.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${FANZHA_HOST:-127.0.0.1}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8080}"
URL_HOST="$HOST"
[[ "$HOST" == *:* ]] && URL_HOST="[$HOST]"  # an IPv6 address in a URL
CORS="${FANZHA_CORS_ORIGINS:-http://$URL_HOST:$WEB_PORT http://127.0.0.1:$WEB_PORT http://localhost:$WEB_PORT}"
# The Rasa URL the chat page is served with; behind a proxy, its public URL.
RASA_URL="${FANZHA_RASA_URL:-http://$URL_HOST:$RASA_PORT}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_PORT/webhook"
PY=.venv/bin/python
VAR="${FANZHA_VAR_DIR:-var}"

case "$HOST" in
  127.0.0.1|localhost|::1) ;;
  *) if [ -z "${RASA_TOKEN:-}" ] && [ -z "${RASA_JWT_SECRET:-}" ]; then
       echo "Refusing to listen on $HOST without RASA_TOKEN or RASA_JWT_SECRET: the HTTP API would be open." >&2
       exit 2
     fi
     if [ -z "${FANZHA_RASA_URL:-}" ] && { [ "$HOST" = 0.0.0.0 ] || [ "$HOST" = :: ]; }; then
       echo "Set FANZHA_RASA_URL to the address browsers reach Rasa at: $HOST is not one." >&2
       exit 2
     fi ;;
esac

trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM

$PY -m bot.ops.credentials "$VAR/credentials.yml"
SANIC_HOST=127.0.0.1 $PY -m rasa_sdk --actions actions --port "$ACTION_PORT" &

if [ "${1:-}" = "shell" ]; then
  .venv/bin/rasa shell --model models/fanzha.tar.gz --endpoints endpoints.yml
  exit
fi

auth=()
[ -n "${RASA_TOKEN:-}" ] && auth+=(--auth-token "$RASA_TOKEN")
[ -n "${RASA_JWT_SECRET:-}" ] && auth+=(--jwt-secret "$RASA_JWT_SECRET" --jwt-method "${RASA_JWT_METHOD:-HS256}")
read -r -a origins <<< "$CORS"

$PY scripts/serve_web.py --host "$HOST" --port "$WEB_PORT" --rasa "$RASA_URL" --quiet >/dev/null &
cat <<MSG
反诈助手 is starting (the first start takes about a minute).
  chat page: http://$HOST:$WEB_PORT/
  REST:      curl -s -XPOST http://$HOST:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"a","message":"我被骗了两万怎么办"}'
  parse:     curl -s -XPOST http://$HOST:$RASA_PORT/model/parse -d '{"text":"有人要租我的银行卡"}'
Stop with Ctrl-C.
MSG
.venv/bin/rasa run --model models/fanzha.tar.gz --interface "$HOST" --port "$RASA_PORT" \
  --enable-api "${auth[@]}" --cors "${origins[@]}" \
  --credentials "$VAR/credentials.yml" --endpoints endpoints.yml --log-file "$VAR/rasa.log" &
wait -n
