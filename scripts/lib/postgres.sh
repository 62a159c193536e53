#!/usr/bin/env bash
# Bash library: a throwaway PostgreSQL server for the tests.
#
# Source it, then call `start_postgres` (and `stop_postgres` on exit):
#
#     source scripts/lib/postgres.sh
#     start_postgres
#     trap stop_postgres EXIT
#
# `start_postgres` installs Debian's `postgresql` package when `initdb`/`pg_ctl` are missing
# (about 15–30 s; needs root or sudo), creates a cluster in a temporary directory (trust
# authentication, owned by the `postgres` user when run as root), starts it on a free loopback
# port with durability off (fsync, synchronous_commit and full_page_writes: fast, and the data
# is thrown away anyway) and room for parallel tests (max_connections=300), creates the database
# `wabot_test` and exports
#
#     DATABASE_URL=postgres://postgres@127.0.0.1:PORT/wabot_test
#
# If DATABASE_URL is already set, that server is used and nothing is started (the tests create
# and drop their own schemas in it). `stop_postgres` stops the server and removes its directory;
# calling it twice is harmless. Progress goes to stderr.

_pg_say() { echo "postgres.sh: $*" >&2; }

# Prints the directory holding initdb, pg_ctl, pg_isready and createdb (following symlinks on
# PATH to the real installation), or fails.
_pg_bin_dir() {
    local dir
    if command -v pg_ctl >/dev/null; then
        dir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
        if [[ -x "$dir/initdb" && -x "$dir/pg_isready" && -x "$dir/createdb" ]]; then
            echo "$dir"
            return 0
        fi
    fi
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/pg_isready" ]]; then
        echo "$dir"
        return 0
    fi
    return 1
}

_pg_install() {
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if ! command -v sudo >/dev/null; then
            _pg_say "PostgreSQL is missing and installing it needs root (or sudo); install Debian's postgresql package or set DATABASE_URL"
            return 1
        fi
        sudo=(sudo)
    fi
    _pg_say "installing Debian's postgresql package (about 15–30 s)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
_pg_free_port() {
    local port tries=0
    while ((tries++ < 100)); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start_postgres() {
    if [[ -n "${DATABASE_URL:-}" ]]; then
        _pg_say "DATABASE_URL is already set; using that server"
        return 0
    fi
    # On failure, leave nothing running or lying around.
    _pg_start || {
        stop_postgres
        return 1
    }
}

_pg_start() {
    local bin
    if ! bin=$(_pg_bin_dir); then
        _pg_install || return 1
        bin=$(_pg_bin_dir) || {
            _pg_say "initdb/pg_ctl still not found after installing postgresql"
            return 1
        }
    fi

    # Run the server as `postgres` when we are root (it refuses to run as root).
    local as=()
    if [[ "$(id -u)" == 0 ]]; then
        as=(runuser -u postgres --)
    fi

    WABOT_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wabot-pg.XXXXXX") || return 1
    export WABOT_PG_DIR
    chmod 700 "$WABOT_PG_DIR"
    if ((${#as[@]})); then
        chown postgres: "$WABOT_PG_DIR"
    fi

    _pg_say "creating a cluster in $WABOT_PG_DIR with $bin"
    if ! "${as[@]}" "$bin/initdb" -D "$WABOT_PG_DIR/data" --auth=trust --username=postgres \
        --encoding=UTF8 --locale=C.UTF-8 >"$WABOT_PG_DIR/initdb.log" 2>&1; then
        _pg_say "initdb failed:"
        cat "$WABOT_PG_DIR/initdb.log" >&2
        return 1
    fi

    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(_pg_free_port) || {
            _pg_say "no free port found"
            return 1
        }
        _pg_say "starting PostgreSQL on 127.0.0.1:$port"
        if "${as[@]}" "$bin/pg_ctl" -D "$WABOT_PG_DIR/data" -l "$WABOT_PG_DIR/server.log" \
            -w -t 60 start -o "-c listen_addresses=127.0.0.1 -p $port -k $WABOT_PG_DIR \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=300" >/dev/null; then
            break
        fi
        _pg_say "start attempt $attempt failed; server log:"
        tail -n 20 "$WABOT_PG_DIR/server.log" >&2
        if ((attempt == 5)); then
            return 1
        fi
    done
    export WABOT_PG_PORT=$port WABOT_PG_BIN=$bin

    # pg_ctl -w returned once the server accepts connections; make sure it does on TCP too.
    local ready=0
    for _ in $(seq 1 100); do
        if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres 2>/dev/null; then
            ready=1
            break
        fi
        sleep 0.1
    done
    if ((ready == 0)); then
        _pg_say "the server did not become ready; server log:"
        tail -n 20 "$WABOT_PG_DIR/server.log" >&2
        return 1
    fi

    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres wabot_test || {
        _pg_say "createdb wabot_test failed"
        return 1
    }
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/wabot_test"
    _pg_say "ready: DATABASE_URL=$DATABASE_URL"
}

stop_postgres() {
    if [[ -z "${WABOT_PG_DIR:-}" ]]; then
        return 0
    fi
    local as=()
    if [[ "$(id -u)" == 0 ]]; then
        as=(runuser -u postgres --)
    fi
    if [[ -f "$WABOT_PG_DIR/data/postmaster.pid" ]]; then
        _pg_say "stopping PostgreSQL on port ${WABOT_PG_PORT:-?}"
        "${as[@]}" "${WABOT_PG_BIN:-$(_pg_bin_dir)}/pg_ctl" -D "$WABOT_PG_DIR/data" -m immediate \
            -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WABOT_PG_DIR"
    unset WABOT_PG_DIR WABOT_PG_PORT WABOT_PG_BIN
    if [[ "${DATABASE_URL:-}" == postgres://postgres@127.0.0.1:*/wabot_test ]]; then
        unset DATABASE_URL
    fi
}
