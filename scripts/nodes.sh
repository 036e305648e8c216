#!/usr/bin/env bash
# Starts or stops the service's nodes as background processes against .stack/env.
#   scripts/nodes.sh start [COUNT]   nodes 1..COUNT on ports 3000.. (pids in .stack/node-N.pid)
#   scripts/nodes.sh stop            SIGTERM, then SIGKILL after the drain bound
set -euo pipefail
cd "$(dirname "$0")/.."
base_port=${PARLEY_BASE_PORT:-3000}

stop_nodes() {
  for pidfile in .stack/node-*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

start_nodes() {
  local count=$1
  . scripts/node-env.sh # the pinned major (.nvmrc) runs the nodes
  set -a
  # shellcheck disable=SC1091
  . .stack/env
  set +a
  mkdir -p .stack/logs
  # One after another: the first node builds the indexes; concurrent index builds on a fresh
  # database can deadlock FerretDB (see src/infra/model-provider.ts).
  for n in $(seq 1 "$count"); do
    port=$((base_port + n - 1))
    # The demo's dev sign-in (POST /demo/token) is on for local nodes, never by default.
    PORT=$port NODE_ID=node-$n DEMO_ENABLED=${DEMO_ENABLED:-true} nohup node dist/main.js >".stack/logs/node-$n.log" 2>&1 </dev/null &
    echo $! >".stack/node-$n.pid"
    for _ in $(seq 1 120); do
      curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
      if ! kill -0 "$(cat ".stack/node-$n.pid")" 2>/dev/null; then
        echo "parley: node-$n exited during start-up; last lines of .stack/logs/node-$n.log:" >&2
        tail -n 30 ".stack/logs/node-$n.log" >&2
        exit 1
      fi
      sleep 0.5
    done
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || {
      echo "parley: node-$n did not become ready; see .stack/logs/node-$n.log" >&2
      exit 1
    }
    echo "parley: node-$n ready: http://127.0.0.1:$port (REST, /docs, Socket.IO namespace /chat, demo at /demo/)"
  done
}

case ${1:-} in
  start) stop_nodes; start_nodes "${2:-2}" ;;
  stop) stop_nodes ;;
  *) echo "usage: $0 start [COUNT] | stop" >&2; exit 2 ;;
esac
