#!/usr/bin/env bash
# End-to-end tests of the dashboard in Debian's headless Chromium (playwright-core, no browser
# download): builds wabot-server, installs the node dependencies (npm ci), starts the server in
# demo mode on a free loopback port with a temporary data directory, runs the tests, stops the
# server. Screenshots go to docs/screenshots/.
#
# Usage: wabot-server/tests/e2e/run.sh            (from anywhere)
#        WABOT_E2E_KEEP=1 … keeps the temp dir and server log for debugging.
#        WABOT_E2E_SERVER=/path/to/wabot-server … tests that binary instead of building one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"

# shellcheck source=../../../scripts/lib/chromium.sh
source scripts/lib/chromium.sh
ensure_chromium

bin="${WABOT_E2E_SERVER:-${CARGO_TARGET_DIR:-$root/target}/debug/wabot-server}"
if [[ -z "${WABOT_E2E_SERVER:-}" ]]; then
    echo "==> building wabot-server" >&2
    cargo build -p wabot-server --locked --quiet
fi

echo "==> installing the test dependencies (npm ci)" >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

tmp="$(mktemp -d)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "${WABOT_E2E_KEEP:-}" ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

echo "==> starting wabot-server on 127.0.0.1:$port (data in $tmp)" >&2
# WABOT_CHROMIUM (set by ensure_chromium for the test browser) is not a server setting; the
# server reads every WABOT_* variable as configuration, so it is left out of its environment.
env -u WABOT_CONFIG -u WABOT_CHROMIUM \
    WABOT_SERVER__BIND="127.0.0.1:$port" \
    WABOT_STORAGE__URL="sqlite://$tmp/wabot.db" \
    WABOT_STORAGE__DATA_DIR="$tmp" \
    WABOT_DEMO__ENABLED=true \
    WABOT_LOG__FORMAT=pretty \
    "$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
ready=""
for _ in $(seq 1 150); do
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
        "http://127.0.0.1:$port/healthz" 2>/dev/null; then ready=1; break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$tmp/server.log" >&2; echo "the server exited" >&2; exit 1; fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then tail -n 40 "$tmp/server.log" >&2; echo "the server did not become healthy" >&2; exit 1; fi

echo "==> running the browser tests" >&2
status=0
(cd "$here" && WABOT_URL="http://127.0.0.1:$port" WABOT_SCREENSHOTS="$root/docs/screenshots" \
    node --test --test-reporter=spec dashboard.test.mjs) || status=$?
if [[ $status -ne 0 ]]; then
    echo "---- server log (last 60 lines) ----" >&2
    tail -n 60 "$tmp/server.log" >&2
fi
exit $status
