#!/usr/bin/env bash
# Several playground replicas behind one address (nginx, sticky by a cookie), their generation
# on one shared inference server. Loopback by default; stops everything it started on exit.
#
#   bash deploy/replicas/run.sh                     # 2 replicas on 7861-7862, nginx on 8080
#   GENAI_REPLICAS=3 GENAI_LB_PORT=9000 bash deploy/replicas/run.sh
#   GENAI_REPLICA_PORTS=7861,7865 bash deploy/replicas/run.sh   # ports named, not counted
#
# The shared inference server: GENAI_PLAYGROUND_SERVER_URL / _MODEL if set (Ollama, vLLM,
# llama.cpp, ...), else one more playground process on GENAI_INFERENCE_PORT (7870) that only
# serves its /v1 (models loaded on first use), model smollm2. Needs nginx (Debian: nginx-light).
# Prints "ready: http://..." once the address answers through nginx.
set -euo pipefail
cd "$(dirname "$0")/../.."

REPLICAS=${GENAI_REPLICAS:-2}
FIRST_PORT=${GENAI_REPLICA_FIRST_PORT:-7861}
LB_HOST=${GENAI_LB_HOST:-127.0.0.1}
LB_PORT=${GENAI_LB_PORT:-8080}
INFERENCE_PORT=${GENAI_INFERENCE_PORT:-7870}
RUN_DIR=${GENAI_LB_RUN_DIR:-/tmp/genai-replicas}
PYTHON=${PYTHON:-.venv/bin/python}
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False

command -v nginx >/dev/null || { echo "run.sh needs nginx (Debian: apt-get install nginx-light)" >&2; exit 1; }
mkdir -p "$RUN_DIR"
pids=()
stop() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM

if [[ -z "${GENAI_PLAYGROUND_SERVER_URL:-}" ]]; then
    GENAI_PRELOAD=0 "$PYTHON" app.py --port "$INFERENCE_PORT" >"$RUN_DIR/inference.log" 2>&1 &
    pids+=($!)
    export GENAI_PLAYGROUND_SERVER_URL="http://127.0.0.1:$INFERENCE_PORT/v1"
    export GENAI_PLAYGROUND_SERVER_MODEL=${GENAI_PLAYGROUND_SERVER_MODEL:-smollm2}
fi
echo "inference server: $GENAI_PLAYGROUND_SERVER_URL ($GENAI_PLAYGROUND_SERVER_MODEL)"

ports=()
if [[ -n "${GENAI_REPLICA_PORTS:-}" ]]; then          # or the ports named, comma-separated
    IFS=, read -ra wanted <<<"$GENAI_REPLICA_PORTS"
else
    wanted=(); for ((i = 0; i < REPLICAS; i++)); do wanted+=($((FIRST_PORT + i))); done
fi
for port in "${wanted[@]}"; do
    "$PYTHON" app.py --port "$port" >"$RUN_DIR/replica-$port.log" 2>&1 &
    pids+=($!)
    ports+=("$port")
done
echo "replicas: ${ports[*]}"

"$PYTHON" deploy/replicas/nginx_conf.py --listen "$LB_PORT" --host "$LB_HOST" \
    --replicas "$(IFS=,; echo "${ports[*]}")" --run-dir "$RUN_DIR" >"$RUN_DIR/nginx.conf"
: >"$RUN_DIR/access.log"
nginx -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf" &
pids+=($!)

alive() {
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { echo "a process exited: see $RUN_DIR/*.log" >&2; exit 1; }
    done
}
url="http://$LB_HOST:$LB_PORT/"
for port in "${ports[@]}"; do               # every replica up, then the address
    until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do alive; sleep 0.5; done
done
until curl -sf -o /dev/null "$url"; do alive; sleep 0.5; done
echo "ready: $url (nginx log: $RUN_DIR/access.log)"
wait
