# shellcheck shell=bash
# MongoDB wire protocol: FerretDB v1 on PostgreSQL (the stack's `pg` service, its
# main backend). FerretDB itself is stateless: a MongoDB database is a schema of the
# `ferretdb` PostgreSQL database, so `stack.sh stop mongo` loses nothing.

FERRETDB_BIN=$CACHE/bin/ferretdb-$FERRETDB_VERSION

mongo_port() { echo "$PARLEY_MONGO_PORT"; }
mongo_match() { echo "ferretdb"; }
mongo_timeout() { echo 30; }
mongo_grace() { echo 15; }

# A plain `go install .../cmd/ferretdb@v1.24.2` builds a binary that panics at start:
# the module zip lacks the generated build/version/version.txt. So the module is
# fetched with `go mod download`, copied, given that file, and built from there.
mongo_install() {
  need_tool python3 "for the MongoDB wire-protocol readiness probe"
  [[ -x $FERRETDB_BIN ]] && return 0
  need_tool go "to build FerretDB $FERRETDB_VERSION from its Go module"
  say "building FerretDB $FERRETDB_VERSION (go, about a minute)"
  local dir src
  mkdir -p "$CACHE/src" "$CACHE/bin"
  # Run outside any Go module (the working directory might be one).
  dir=$(cd "$CACHE" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || dir=
  [[ -n $dir && -d $dir ]] || die "go mod download of FerretDB $FERRETDB_VERSION failed"
  src=$CACHE/src/ferretdb-$FERRETDB_VERSION
  rm -rf "$src"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
    -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb)
  [[ $("$FERRETDB_BIN.tmp" --version) == *"version: $FERRETDB_VERSION"* ]] ||
    die "the FerretDB build does not report version $FERRETDB_VERSION"
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$src"
}

mongo_launch() {
  # `stack.sh start mongo` also brings its backend up when that is down.
  svc_pid pg >/dev/null || start_svc pg
  mkdir -p "$DATA/ferretdb"
  # --debug-addr: no debug/metrics HTTP listener unless PARLEY_FERRETDB_DEBUG_ADDR names one
  # (host:port; its /debug/metrics counts commands, for profiling); --state-dir keeps
  # state.json out of the working directory.
  spawn mongo "$FERRETDB_BIN" --handler=postgresql \
    --postgresql-url="$(pg_url)" \
    --state-dir="$DATA/ferretdb" \
    --listen-addr="127.0.0.1:$PARLEY_MONGO_PORT" \
    --debug-addr="${PARLEY_FERRETDB_DEBUG_ADDR:--}" --telemetry=disable --log-level=warn
}

mongo_ready() {
  python3 "$STACK_SCRIPTS/mongo_ping.py" 127.0.0.1 "$PARLEY_MONGO_PORT" 2
}

mongo_after_start() { :; }
