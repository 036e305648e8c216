# shellcheck shell=bash
# PostgreSQL, FerretDB's backend: Debian's `postgresql` binaries run directly as a
# cluster of the stack's own (data in .stack/data/pg, socket in .stack/run), never
# Debian's system cluster, pg_ctlcluster or systemd. It listens on 127.0.0.1 only and
# trusts loopback connections (like the stack's Redis and FerretDB, it has no password).
#
# PostgreSQL refuses to run as root: when the stack runs as root, initdb and postgres
# run as the `postgres` system user the Debian package creates (setpriv, which execs in
# place, so the pid file names postgres itself), and the data directory is theirs. When
# that user cannot enter the project's directory (a clone under /root, say), the data lives
# in /var/lib/postgresql/parley/<hash of the project path> instead, .stack/data/pg links to
# it, and `stack.sh reset` deletes it too.
#
# Each start also (re)installs pg-indexes.sql in FerretDB's database: the GIN indexes that
# let FerretDB's equality filters use an index at all.

PG_DATA=$DATA/pg
PG_RUN=$STACK/run
if [[ -L $PG_DATA ]]; then
  PG_DATA=$(readlink -f "$PG_DATA")
  PG_RUN= # the project's directory is closed to the cluster's user: TCP only
fi
PG_SUPERUSER=parley
PG_DATABASE=ferretdb # the one database FerretDB keeps its schemas in (one per MongoDB database)

# pg_bin: the bin directory of the newest PostgreSQL that Debian's packages installed
# (PARLEY_PG_BIN names another); fails, printing nothing, when it lacks a program we run.
pg_bin() {
  local dir=${PARLEY_PG_BIN:-} tool
  [[ -n $dir ]] ||
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir ]] || return 1
  for tool in initdb postgres pg_isready psql; do
    [[ -x $dir/$tool ]] || return 1
  done
  echo "$dir"
}

pg_port() { echo "$PARLEY_PG_PORT"; }
pg_match() { echo "/postgres -D $PG_DATA "; }
pg_timeout() { echo 60; }
pg_grace() { echo 30; }
# SIGINT is PostgreSQL's fast shutdown (clients disconnected, a checkpoint, exit);
# SIGTERM would wait for every client, FerretDB's pool included, to leave.
pg_stop_signal() { echo INT; }

pg_installed() { pg_bin >/dev/null; }

pg_install() {
  if ! pg_installed; then
    say "installing postgresql (apt)"
    # Debian's package also creates its own `main` cluster; this stack never uses it.
    apt_install postgresql
    pg_installed || die "postgresql was installed but ${PARLEY_PG_BIN:-/usr/lib/postgresql/*/bin} lacks initdb, postgres, pg_isready or psql"
  fi
  if [[ $(id -u) -eq 0 ]]; then
    need_tool setpriv "to run PostgreSQL as the postgres user (it refuses to run as root)"
    id -u postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (Debian's postgresql package creates it)"
  fi
}

# PG_AS: the command prefix that runs a program as the cluster's user (postgres when
# we are root, nobody else then; as is otherwise).
pg_as() {
  PG_AS=()
  [[ $(id -u) -ne 0 ]] || PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --)
}

# pg_own DIR...: gives directories to the cluster's user.
pg_own() {
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$@"
  chmod 700 "$@"
}

# pg_reachable DIR: the cluster's user can enter DIR (search permission all the way).
pg_reachable() {
  pg_as
  "${PG_AS[@]}" sh -c 'cd "$1"' _ "$1" 2>/dev/null
}

# Creates the cluster on first start. initdb works in a scratch directory that is
# renamed when complete, so an interrupted first start never leaves a half cluster.
pg_init() {
  local bin=$1
  if [[ ! -e $DATA/pg && ! -L $DATA/pg ]] && ! pg_reachable "$DATA"; then
    local home=/var/lib/postgresql/parley
    mkdir -p "$home"
    pg_own "$home"
    PG_DATA=$home/$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)
    PG_RUN=
    rm -rf "$PG_DATA"
    ln -s "$PG_DATA" "$DATA/pg"
    say "pg: the postgres user cannot enter $ROOT, so the cluster's data is in $PG_DATA (.stack/data/pg links to it)"
  fi
  local tmp=$PG_DATA.init
  rm -rf "$tmp"
  mkdir -p "$tmp"
  pg_own "$tmp"
  say "creating the PostgreSQL cluster in .stack/data/pg"
  pg_as
  "${PG_AS[@]}" "$bin/initdb" -D "$tmp" --username="$PG_SUPERUSER" --auth=trust \
    --encoding=UTF8 --locale=C --no-instructions >>"$(logfile pg)" 2>&1 ||
    die "initdb failed (see .stack/logs/pg.log)"
  rm -rf "$PG_DATA" # without PG_VERSION, whatever is there is no cluster
  mv "$tmp" "$PG_DATA"
}

pg_launch() {
  local bin
  bin=$(pg_bin)
  [[ -f $PG_DATA/PG_VERSION ]] || pg_init "$bin"
  local have want
  have=$(<"$PG_DATA/PG_VERSION")
  want=$("$bin/postgres" --version | sed -n 's/.* \([0-9][0-9]*\)\..*/\1/p')
  [[ $have == "$want" ]] ||
    die "pg: .stack/data/pg was made by PostgreSQL $have but $bin is $want (bash scripts/stack.sh reset deletes it)"
  # A socket path longer than 107 bytes cannot be bound: then TCP only (every client
  # here, FerretDB and the probes, uses TCP anyway; the socket is for a manual psql).
  local sockets=$PG_RUN
  ((${#PG_RUN} + 20 < 108)) || sockets=
  if [[ -n $sockets ]]; then
    mkdir -p "$sockets"
    pg_own "$sockets"
  fi
  # Settings for a dev/test box (see README): fsync stays on and every commit waits for
  # its WAL flush (a stored message survives a crash of the machine, as the project's
  # "acknowledged means stored" promises); WAL is minimal (no replica, no archive);
  # no JIT (it compiles plans of big scans for longer than they run); shared_buffers
  # modest (machines run several stacks); connections enough for FerretDB's pool (see
  # pg_url) plus probes and a psql.
  pg_as
  spawn pg "${PG_AS[@]}" "$bin/postgres" -D "$PG_DATA" \
    -c listen_addresses=127.0.0.1 -c port="$PARLEY_PG_PORT" \
    -c unix_socket_directories="$sockets" \
    -c max_connections=450 -c shared_buffers=128MB -c work_mem=8MB \
    -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=2GB \
    -c fsync=on -c synchronous_commit=on -c jit=off \
    -c log_checkpoints=off -c log_line_prefix='%m [%p] ' -c logging_collector=off
}

pg_ready() {
  "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PARLEY_PG_PORT" -U "$PG_SUPERUSER" -d postgres -t 2
}

# pg_sql DB SQL: runs one statement as the superuser over loopback TCP (no output
# but the rows, unaligned).
pg_sql() {
  "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p "$PARLEY_PG_PORT" \
    -U "$PG_SUPERUSER" -d "$1" -c "$2"
}

pg_after_start() {
  [[ $(pg_sql postgres "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'") == 1 ]] ||
    pg_sql postgres "CREATE DATABASE $PG_DATABASE"
  # The GIN indexes that let FerretDB's equality filters use an index (see the file).
  "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -1 -h 127.0.0.1 -p "$PARLEY_PG_PORT" \
    -U "$PG_SUPERUSER" -d "$PG_DATABASE" -f "$STACK_SCRIPTS/pg-indexes.sql"
}

# Run by `stack.sh reset` before it deletes .stack/data: a cluster kept outside the
# project (see the top) goes too.
pg_reset() {
  if [[ -L $DATA/pg ]]; then rm -rf "$PG_DATA" "$PG_DATA.init"; fi
}

# The URL FerretDB connects with. Its pool must never run dry: FerretDB v1 deadlocks when
# it does (every insert takes its metadata registry's write lock, even for a collection that
# exists; readers waiting for a pooled connection then hold up the writer, which holds up
# the readers that would give connections back: seen under the storage e2e, all requests
# hung for good). 400 is above what every client of a test run can ask at once (each
# Parley process's driver pool is 50).
pg_url() {
  echo "postgres://$PG_SUPERUSER@127.0.0.1:$PARLEY_PG_PORT/$PG_DATABASE?pool_max_conns=400"
}
