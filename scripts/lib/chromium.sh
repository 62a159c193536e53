#!/usr/bin/env bash
# Bash library: makes sure Debian's Chromium is installed for the WhatsApp Web tests.
#
# Source it, then call `ensure_chromium`:
#
#     source scripts/lib/chromium.sh
#     ensure_chromium
#
# When `/usr/bin/chromium` is missing it is installed from Debian's packages (about 40 s and
# 155 MB; needs root or sudo). Afterwards `WABOT_CHROMIUM` points at the executable, which is
# where the `wabot-whatsapp` tests and benchmarks look for it.

# The Chromium executable the tests use (override by exporting WABOT_CHROMIUM beforehand).
: "${WABOT_CHROMIUM:=/usr/bin/chromium}"

ensure_chromium() {
    if [[ -x "$WABOT_CHROMIUM" ]]; then
        export WABOT_CHROMIUM
        return 0
    fi
    if [[ "$WABOT_CHROMIUM" != /usr/bin/chromium ]]; then
        echo "chromium.sh: WABOT_CHROMIUM=$WABOT_CHROMIUM is not an executable file" >&2
        return 1
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if ! command -v sudo >/dev/null; then
            echo "chromium.sh: Chromium is missing and installing it needs root (or sudo)" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "chromium.sh: installing Debian's chromium package (about 40 s, 155 MB)..." >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends chromium >&2; then
        echo "chromium.sh: apt-get install chromium failed" >&2
        return 1
    fi
    if [[ ! -x /usr/bin/chromium ]]; then
        echo "chromium.sh: the chromium package did not provide /usr/bin/chromium" >&2
        return 1
    fi
    echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed" >&2
    export WABOT_CHROMIUM=/usr/bin/chromium
}
