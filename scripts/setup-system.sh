#!/usr/bin/env bash
# System packages worktrial needs, from Debian's archive. Safe to run again: installs only what
# is missing. Needs root (or sudo) the first time on a machine that lacks them.
set -euo pipefail

needed=()
command -v git >/dev/null 2>&1 || needed+=(git)
# The sandbox that runs candidate code (no network, own namespaces, read-only system).
command -v bwrap >/dev/null 2>&1 || needed+=(bubblewrap)
# The sandbox runs jobs with the system's Python (the runtime environment is built on it).
[ -x /usr/bin/python3 ] || needed+=(python3)
# The browser tests drive Debian's Chromium with Playwright (no browser download at run time).
command -v chromium >/dev/null 2>&1 || needed+=(chromium)

if [ ${#needed[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "worktrial needs: ${needed[*]} — install them with your system's package manager." >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing system packages: ${needed[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}"
