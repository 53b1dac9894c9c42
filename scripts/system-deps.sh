#!/usr/bin/env bash
# Install the Debian packages Tapescope needs outside Python:
#   - Graphviz's `dot` (the Python `graphviz` package only shells out to it),
#   - Qt's shared libraries for the offscreen platform (tests, headless export),
#   - Xvfb and the xcb libraries for a real X display (screenshots).
# As root it installs what is missing; otherwise it prints the apt-get command and fails.
# Usage: scripts/system-deps.sh [STAMP_FILE]   (the stamp makes repeated runs instant)
set -euo pipefail

stamp="${1:-}"

packages=(
    graphviz
    # Qt offscreen platform
    libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
    libxkbcommon0 fonts-dejavu-core
    # Xvfb and Qt's xcb platform, for screenshots
    xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1
    libxkbcommon-x11-0
)

done_ok() {
    if [[ -n "$stamp" ]]; then
        mkdir -p "$(dirname "$stamp")"
        touch "$stamp"
    fi
    exit 0
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: we cannot check the libraries by package name, only `dot`.
    if command -v dot >/dev/null 2>&1; then
        echo "system-deps: not a Debian system; found Graphviz 'dot'. Qt's libraries are not checked."
        done_ok
    fi
    echo "system-deps: Graphviz 'dot' not found. Install Graphviz with your package manager" >&2
    echo "  (e.g. 'brew install graphviz', 'dnf install graphviz'), plus Qt's OpenGL/EGL," >&2
    echo "  fontconfig and xkbcommon libraries if Qt fails to start." >&2
    exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    done_ok
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    # apt's progress is long and uninteresting; show it only when something fails.
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
            >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "system-deps: apt-get failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "system-deps: done"
    done_ok
fi

echo "system-deps: missing Debian packages: ${missing[*]}" >&2
echo "Install them with:" >&2
echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
exit 1
