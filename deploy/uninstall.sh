#!/usr/bin/env bash
# Removes dashcamd: stops and disables the unit, removes the program, the unit
# file and the polkit rule. The owner's data stays (config in /etc/dashcamd,
# trips, jobs and map tiles in /var/lib/dashcamd, the dashcam user) unless
# --purge is given. Run as root:   sudo /opt/dashcamd/deploy/uninstall.sh [--purge]
# DESTDIR works as in install.sh (a scratch root, with a stand-in systemctl).
set -euo pipefail

DESTDIR="${DESTDIR:-}"
UNIT=dashcamd.service
SERVICE_USER=dashcam

say() { printf 'dashcamd-uninstall: %s\n' "$*"; }
die() {
  printf 'dashcamd-uninstall: ERROR: %s\n' "$*" >&2
  exit 1
}

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  -h | --help)
    sed -n '2,6p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (only --purge)" ;;
esac

[[ $(id -u) -eq 0 ]] || die "run as root: sudo $0"
if [[ -n $DESTDIR ]]; then
  case "$(readlink -f "$(command -v systemctl)")" in
    /usr/bin/systemctl | /bin/systemctl) die "DESTDIR is set: put a stand-in systemctl first on PATH" ;;
  esac
fi

# Stopping first: the daemon gets its SIGTERM and closes its databases cleanly.
systemctl disable --now "$UNIT" || true
rm -f "$DESTDIR/etc/systemd/system/$UNIT" "$DESTDIR/etc/polkit-1/rules.d/50-dashcamd-poweroff.rules"
systemctl daemon-reload
rm -rf "$DESTDIR/opt/dashcamd"
say "removed the program, the unit and the polkit rule"

if ((purge)); then
  rm -rf "$DESTDIR/etc/dashcamd" "$DESTDIR/var/lib/dashcamd"
  if [[ -z $DESTDIR ]]; then
    if getent passwd "$SERVICE_USER" >/dev/null; then userdel "$SERVICE_USER"; fi
  elif grep -q "^$SERVICE_USER:" "$DESTDIR/etc/passwd"; then
    userdel --prefix "$DESTDIR" "$SERVICE_USER"
  fi
  say "purged /etc/dashcamd, /var/lib/dashcamd and the $SERVICE_USER user"
else
  say "kept /etc/dashcamd, /var/lib/dashcamd and the $SERVICE_USER user (--purge removes them)"
fi
