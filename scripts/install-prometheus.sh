#!/usr/bin/env bash
# Installs Debian's `prometheus` package (server + promtool) for the metrics integration tests and for
# operators who want a local Prometheus next to a ccdr sandbox.
#
# Idempotent: exits 0 at once when `prometheus` and `promtool` are already on PATH. Runs `apt-get update`
# once (only when an install is actually needed). Does NOT start or enable the system service: the
# tests start their own `prometheus` process on loopback with a temporary config and data directory,
# and a second, system-wide instance on :9090 would only get in their way.
#
# Exit codes: 0 installed (or already present), 1 not root / no apt-get, 2 apt-get failed, 3 installed
# but binaries not found afterwards.
set -euo pipefail

log() { printf 'install-prometheus: %s\n' "$*" >&2; }

# Messages go to stderr; stdout carries only the prometheus binary's path, so `PROM=$(scripts/install-prometheus.sh)`
# works.
report() {
  log "prometheus: $(command -v prometheus) ($(prometheus --version 2>&1 | head -n1))"
  log "promtool:   $(command -v promtool)"
  command -v prometheus
}

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  log "already installed"
  report
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "ERROR: apt-get not found; install Prometheus (prometheus + promtool) by other means and put both on PATH"
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    log "ERROR: must run as root (or with passwordless sudo) to apt-get install prometheus"
    exit 1
  fi
fi

# The Debian package's postinst starts the service through invoke-rc.d. A policy-rc.d that answers 101
# ("action forbidden") keeps it from starting; we restore any existing policy afterwards.
POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
restore_policy() {
  if [ -n "$POLICY_BACKUP" ]; then $SUDO mv -f "$POLICY_BACKUP" "$POLICY"; else $SUDO rm -f "$POLICY"; fi
}
if [ -e "$POLICY" ]; then
  POLICY_BACKUP="$(mktemp /tmp/policy-rc.d.XXXXXX)"
  $SUDO cp -p "$POLICY" "$POLICY_BACKUP"
fi
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
$SUDO chmod 755 "$POLICY"

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
if ! $SUDO apt-get update -q >/dev/null; then
  log "ERROR: apt-get update failed (is the Debian mirror reachable?)"
  exit 2
fi
log "apt-get install -y --no-install-recommends prometheus"
if ! $SUDO apt-get install -y -q --no-install-recommends prometheus >/dev/null; then
  log "ERROR: apt-get install prometheus failed"
  exit 2
fi

# Belt and braces for systemd hosts: make sure the packaged service is neither running nor enabled.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  log "ERROR: package installed but prometheus/promtool not on PATH"
  exit 3
fi
log "installed"
report
