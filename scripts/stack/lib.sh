# shellcheck shell=bash
# shellcheck disable=SC2034 # settings used by the files that source this one
# Shared settings and process helpers for scripts/stack.sh (sourced, not run).
#
# Every service is a plain background process on loopback, owned through
# .stack/<svc>.pid; nothing is ever found or killed by name.

# ---- locations and settings --------------------------------------------------
STACK_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$STACK_SCRIPTS/../.." && pwd)
STACK=$ROOT/.stack
DATA=$STACK/data
LOGS=$STACK/logs
CACHE=${PARLEY_CACHE_DIR:-$HOME/.cache/parley}

PARLEY_REDIS_PORT=${PARLEY_REDIS_PORT:-16379}
PARLEY_PG_PORT=${PARLEY_PG_PORT:-15432}
PARLEY_MONGO_PORT=${PARLEY_MONGO_PORT:-27018}
PARLEY_KAFKA_PORT=${PARLEY_KAFKA_PORT:-19092}
PARLEY_KAFKA_CONTROLLER_PORT=${PARLEY_KAFKA_CONTROLLER_PORT:-19093}
PARLEY_S3_PORT=${PARLEY_S3_PORT:-19000}
PARLEY_SEARCH_PORT=${PARLEY_SEARCH_PORT:-19200}
# OpenSearch's node-to-node transport (unused by a single node, but always bound).
PARLEY_SEARCH_TRANSPORT_PORT=${PARLEY_SEARCH_TRANSPORT_PORT:-$((PARLEY_SEARCH_PORT + 100))}

FERRETDB_VERSION=v1.24.2
KAFKA_VERSION=4.4.0
S3PROXY_VERSION=4.1.0
OPENSEARCH_VERSION=2.19.6

# Fixed development credentials for the local S3 server (never used outside loopback).
S3_ACCESS_KEY_ID=${PARLEY_S3_ACCESS_KEY_ID:-parley-dev}
S3_SECRET_ACCESS_KEY=${PARLEY_S3_SECRET_ACCESS_KEY:-parley-dev-secret-key-0123456789}
S3_BUCKET=${PARLEY_S3_BUCKET:-parley}
S3_REGION=us-east-1

# Started in this order, stopped in reverse: PostgreSQL before FerretDB (its backend),
# so `stack.sh stop mongo` stops FerretDB alone.
SERVICES=(redis pg mongo kafka s3 search)

# ---- output ------------------------------------------------------------------
say() { printf 'stack: %s\n' "$*"; }
die() {
  printf 'stack: %s\n' "$*" >&2
  exit 1
}

# ---- tools -------------------------------------------------------------------
need_tool() { # need_tool CMD WHAT-FOR
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2) but is not on PATH"
}

# java_major [JAVA]: the feature version of a java binary (17, 21, 25, ...).
java_major() {
  "${1:-java}" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

need_java17() {
  need_tool java "to run Kafka, S3Proxy and OpenSearch (JDK 17 or newer)"
  local major
  major=$(java_major java)
  [[ ${major:-0} -ge 17 ]] || die "java 17 or newer is required (found '${major:-unknown}')"
}

APT_UPDATED=0
apt_install() { # apt_install PKG...
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "installing $* needs root (or sudo)"
    sudo=(sudo)
  fi
  # One `apt-get update` per run, and only when something needs installing.
  if [[ $APT_UPDATED -eq 0 ]]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# ---- processes ---------------------------------------------------------------
pidfile() { echo "$STACK/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }

# pid_alive PID: running and not a zombie (a zombie still answers kill -0).
pid_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# svc_pid SVC: prints the pid from the pid file when that process is alive and its
# command line is the service's (guards against a pid reused by something else).
svc_pid() {
  local file pid
  file=$(pidfile "$1")
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$("${1}_match")" || return 1
  echo "$pid"
}

port_open() { # port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# spawn SVC CMD...: starts CMD detached from this shell (own session, no stdin,
# survives the script), appending to the service log, and records its pid.
spawn() {
  local svc=$1 log
  shift
  log=$(logfile "$svc")
  printf '\n===== %s stack: starting %s\n' "$(date -u +%FT%TZ)" "$svc" >>"$log"
  # From a non-interactive script the background child is not a process-group
  # leader, so setsid and nohup exec in place and $! is the service's own pid.
  # 9>&- : do not inherit stack.sh's lock (it would stay held while we run).
  (cd "$ROOT" && exec setsid nohup "$@" >>"$log" 2>&1 </dev/null 9>&-) &
  echo $! >"$(pidfile "$svc")"
}

# wait_ready SVC SECONDS: polls SVC_ready until it succeeds; fails early when the
# process exits, or when the probe exits 3 (answers, but wrongly: no point waiting).
# READY_DEADLINE (in bash SECONDS) is visible to the probes.
wait_ready() {
  local svc=$1 pid rc
  READY_DEADLINE=$((SECONDS + $2))
  pid=$(<"$(pidfile "$svc")")
  while ((SECONDS < READY_DEADLINE)); do
    if ! pid_alive "$pid"; then
      say "$svc exited while starting" >&2
      return 1
    fi
    rc=0
    "${svc}_ready" 2>"$STACK/.probe-$svc.err" || rc=$?
    if ((rc == 0)); then
      rm -f "$STACK/.probe-$svc.err"
      return 0
    fi
    if ((rc == 3)); then
      cat "$STACK/.probe-$svc.err" >&2
      return 1
    fi
    sleep 0.5
  done
  say "$svc did not answer within $2s; last probe error:" >&2
  cat "$STACK/.probe-$svc.err" >&2 || true
  return 1
}

start_failed() {
  local svc=$1
  say "$svc failed to start" >&2
  echo "----- tail -n 40 $(logfile "$svc")" >&2
  tail -n 40 "$(logfile "$svc")" >&2 || true
  stop_svc "$svc" >/dev/null
  exit 1
}

# start_svc SVC: starts one service (installing it first if needed) and waits
# until it really answers. A running one is only checked, so this is idempotent.
start_svc() {
  local svc=$1 port pid
  port=$("${svc}_port")
  if pid=$(svc_pid "$svc"); then
    if port_open "$port"; then
      say "$svc already up on 127.0.0.1:$port (pid $pid)"
      return 0
    fi
    # Our process, but not listening yet (still starting, or hung): wait for it.
    wait_ready "$svc" "$("${svc}_timeout")" || start_failed "$svc"
    say "$svc up on 127.0.0.1:$port (pid $pid)"
    return 0
  fi
  rm -f "$(pidfile "$svc")"
  if port_open "$port"; then
    die "$svc: port $port is already in use by a process this stack did not start (set PARLEY_$(echo "$svc" | tr '[:lower:]' '[:upper:]')_PORT)"
  fi
  "${svc}_install"
  mkdir -p "$LOGS" "$DATA"
  "${svc}_launch"
  wait_ready "$svc" "$("${svc}_timeout")" || start_failed "$svc"
  "${svc}_after_start" || start_failed "$svc"
  say "$svc up on 127.0.0.1:$port (pid $(<"$(pidfile "$svc")"))"
}

# stop_svc SVC: SIGTERM (or the service's SVC_stop_signal), wait (graceful: Kafka
# flushes, Redis writes its AOF, PostgreSQL checkpoints), then SIGKILL. Only ever
# signals the pid recorded in the service's pid file.
stop_svc() {
  local svc=$1 pid grace signal=TERM
  grace=$("${svc}_grace")
  if declare -F "${svc}_stop_signal" >/dev/null; then signal=$("${svc}_stop_signal"); fi
  if pid=$(svc_pid "$svc"); then
    kill -"$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if pid_alive "$pid"; then
      say "$svc did not stop within ${grace}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while pid_alive "$pid"; do sleep 0.1; done
    fi
    say "$svc stopped"
  else
    say "$svc not running"
  fi
  rm -f "$(pidfile "$svc")"
}

svc_status() {
  local svc=$1 port pid
  port=$("${svc}_port")
  if pid=$(svc_pid "$svc") && port_open "$port"; then
    printf '%-6s up    127.0.0.1:%s (pid %s)\n' "$svc" "$port" "$pid"
  elif [[ -n ${pid:-} ]]; then
    printf '%-6s down  127.0.0.1:%s (pid %s alive but not listening)\n' "$svc" "$port" "$pid"
    return 1
  else
    printf '%-6s down  127.0.0.1:%s\n' "$svc" "$port"
    return 1
  fi
}
