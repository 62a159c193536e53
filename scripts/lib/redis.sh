#!/usr/bin/env bash
# Bash library: a throwaway Redis server for the tests.
#
# Source it, then call `start_redis` (and `stop_redis` on exit):
#
#     source scripts/lib/redis.sh
#     start_redis
#     trap stop_redis EXIT
#
# `start_redis` installs Debian's `redis-server` package when `redis-server` is missing (about
# 10 s; needs root or sudo), starts a server on a free loopback port with persistence off and
# exports
#
#     REDIS_URL=redis://127.0.0.1:PORT/
#
# If REDIS_URL is already set, that server is used and nothing is started. `stop_redis` shuts
# the server down; calling it twice is harmless. Progress goes to stderr.

_redis_say() { echo "redis.sh: $*" >&2; }
_redis_port=""

start_redis() {
    if [[ -n "${REDIS_URL:-}" ]]; then
        _redis_say "using REDIS_URL from the environment"
        return 0
    fi
    if ! command -v redis-server >/dev/null; then
        _redis_say "installing Debian's redis-server package"
        local sudo=()
        [[ "$(id -u)" != 0 ]] && sudo=(sudo)
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null \
            || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; }
    fi
    _redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$_redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --logfile /dev/null >/dev/null
    local i
    for i in $(seq 1 50); do
        redis-cli -p "$_redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    export REDIS_URL="redis://127.0.0.1:${_redis_port}/"
    _redis_say "ready: REDIS_URL=$REDIS_URL"
}

stop_redis() {
    if [[ -n "$_redis_port" ]]; then
        redis-cli -p "$_redis_port" shutdown nosave >/dev/null 2>&1 || true
        _redis_port=""
    fi
}
