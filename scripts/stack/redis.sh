# shellcheck shell=bash
# Redis: Debian's redis-server (>= 7 for sharded pub/sub), run as our own process.

redis_port() { echo "$PARLEY_REDIS_PORT"; }
redis_match() { echo "redis-server"; }
redis_timeout() { echo 30; }
redis_grace() { echo 15; }

redis_install() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    say "installing redis-server (apt)"
    apt_install redis-server redis-tools
  fi
  local version
  version=$(redis-server --version | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')
  [[ ${version%%.*} -ge 7 ]] || die "redis-server >= 7 is required for sharded pub/sub (found ${version:-unknown})"
}

redis_launch() {
  mkdir -p "$DATA/redis"
  # --logfile "" logs to stdout, i.e. into .stack/logs/redis.log.
  spawn redis redis-server --port "$PARLEY_REDIS_PORT" --bind 127.0.0.1 \
    --maxmemory-policy noeviction --save "" --appendonly yes \
    --dir "$DATA/redis" --daemonize no --logfile ""
}

redis_ready() {
  [[ $(redis-cli -h 127.0.0.1 -p "$PARLEY_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_after_start() { :; }
