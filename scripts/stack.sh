#!/usr/bin/env bash
# The local "real stack" without Docker: Redis, PostgreSQL, FerretDB on it (MongoDB
# wire protocol), Kafka (KRaft), S3Proxy and OpenSearch as background processes on 127.0.0.1.
#
#   scripts/stack.sh up            install what is missing, start all, write .stack/env
#   scripts/stack.sh down          stop all (data in .stack/data is kept)
#   scripts/stack.sh reset         stop all and delete .stack/data
#   scripts/stack.sh start SVC     start one service and wait until it answers
#   scripts/stack.sh stop SVC      stop one service
#   scripts/stack.sh status        one line per service (exit 1 when any is down)
# SVC is redis | pg | mongo | kafka | s3 | search (mongo is FerretDB; starting it starts pg,
# its backend, when that is down; stopping it leaves pg running).
#
# Ports (env): PARLEY_REDIS_PORT=16379 PARLEY_PG_PORT=15432 PARLEY_MONGO_PORT=27018
# PARLEY_KAFKA_PORT=19092 PARLEY_KAFKA_CONTROLLER_PORT=19093 PARLEY_S3_PORT=19000
# PARLEY_SEARCH_PORT=19200 (PARLEY_SEARCH_TRANSPORT_PORT: its port + 100).
# Downloads and builds are cached in ${PARLEY_CACHE_DIR:-~/.cache/parley}; runtime
# state (pid files, logs, data, env) lives in .stack/ at the project root.
set -euo pipefail

# shellcheck source=stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/stack/lib.sh"
for _svc in "${SERVICES[@]}"; do
  # shellcheck source=/dev/null
  . "$STACK_SCRIPTS/$_svc.sh"
done
unset _svc

usage() {
  # The header comment above, up to `set -euo pipefail`.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
  exit 2
}

# Serializes changes (two `up`s at once would each start a copy). The lock fd is
# closed in the services themselves (see spawn), so they do not keep holding it.
lock() {
  mkdir -p "$STACK" "$LOGS"
  exec 9>"$STACK/.lock"
  flock -w 900 9 || die "another scripts/stack.sh is still running (lock: .stack/.lock)"
}

is_installed() {
  case $1 in
    redis) command -v redis-server >/dev/null && command -v redis-cli >/dev/null ;;
    pg) pg_installed ;;
    mongo) [[ -x $FERRETDB_BIN ]] ;;
    kafka) [[ -f $KAFKA_DIR/.libs-complete && -f $(kafka_admin_classes)/KafkaAdmin.class ]] ;;
    s3) [[ -f $S3PROXY_JAR ]] ;;
    search) [[ -f $SEARCH_DIR/.complete ]] ;;
  esac
}

# Runs the missing installs in parallel (apt in one job since two apt-gets cannot
# hold the dpkg lock at once, the FerretDB go build, and maven in one job since two
# mavens must not share ~/.m2 at once), each logged to .stack/logs/install-<job>.log.
install_missing() {
  local missing=() svc
  for svc in "${SERVICES[@]}"; do
    is_installed "$svc" || missing+=("$svc")
  done
  ((${#missing[@]})) || return 0
  local t0=$SECONDS
  say "installing ${missing[*]} (first run; logs in .stack/logs/install-*.log)"
  local -A jobs=()
  local job members
  for job in apt mongo maven; do
    case $job in
      apt) members=(redis pg) ;;
      maven) members=(kafka s3 search) ;;
      *) members=("$job") ;;
    esac
    local todo=()
    for svc in "${members[@]}"; do
      [[ " ${missing[*]} " == *" $svc "* ]] && todo+=("$svc")
    done
    ((${#todo[@]})) || continue
    (for svc in "${todo[@]}"; do "${svc}_install"; done) >"$LOGS/install-$job.log" 2>&1 &
    jobs[$job]=$!
  done
  local failed=0
  for job in "${!jobs[@]}"; do
    if ! wait "${jobs[$job]}"; then
      say "install ($job) failed:" >&2
      tail -n 40 "$LOGS/install-$job.log" >&2
      failed=1
    fi
  done
  ((failed == 0)) || exit 1
  say "installs done in $((SECONDS - t0))s"
}

jwt_secret() {
  local file=$STACK/jwt-secret
  if [[ ! -s $file ]]; then
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

write_env() {
  local tmp=$STACK/env.tmp
  cat >"$tmp" <<ENV
# Written by scripts/stack.sh up: the local stack's endpoints (sourceable).
PARLEY_STACK=local
MONGO_URL=mongodb://127.0.0.1:$PARLEY_MONGO_PORT/parley
REDIS_URL=redis://127.0.0.1:$PARLEY_REDIS_PORT
KAFKA_BROKERS=127.0.0.1:$PARLEY_KAFKA_PORT
S3_ENDPOINT=http://127.0.0.1:$PARLEY_S3_PORT
S3_BUCKET=$S3_BUCKET
S3_REGION=$S3_REGION
S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
SEARCH_URL=http://127.0.0.1:$PARLEY_SEARCH_PORT
AUTH_JWT_SECRET=$(jwt_secret)
ENV
  mv "$tmp" "$STACK/env"
}

check_svc() {
  [[ " ${SERVICES[*]} " == *" ${1:-} "* ]] || die "unknown service '${1:-}' (redis | pg | mongo | kafka | s3)"
}

cmd_up() {
  local t0=$SECONDS svc
  lock
  install_missing
  for svc in "${SERVICES[@]}"; do start_svc "$svc"; done
  write_env
  say "all up in $((SECONDS - t0))s; endpoints in .stack/env"
}

cmd_down() {
  local i
  lock
  # Reverse order: clients of nothing first, FerretDB before PostgreSQL, Redis last.
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_svc "${SERVICES[i]}"; done
}

cmd_reset() {
  local svc
  cmd_down
  for svc in "${SERVICES[@]}"; do
    if declare -F "${svc}_reset" >/dev/null; then "${svc}_reset"; fi
  done
  rm -rf "$DATA" "$STACK/kafka" "$STACK/s3" "$STACK/search" "$STACK/run"
  say "deleted .stack/data"
}

cmd_status() {
  local svc rc=0
  for svc in "${SERVICES[@]}"; do svc_status "$svc" || rc=1; done
  return $rc
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  start)
    check_svc "${2:-}"
    lock
    start_svc "$2"
    ;;
  stop)
    check_svc "${2:-}"
    lock
    stop_svc "$2"
    ;;
  *) usage ;;
esac
