#!/usr/bin/env bash
# Installs or updates dashcamd on a Raspberry Pi. Run as root from the bundle
# that `make deploy` copies to the Pi (dist/, web/dist/, package*.json,
# deploy/, systemd/, docs/, drivers/gps/sample-drive.nmea):
#   sudo ./deploy/install.sh
#
# Idempotent: a second run with the same bundle changes no file. It never
# overwrites /etc/dashcamd/config.json, and it enables the unit but does not
# restart it (`make deploy` does that).
#
# Environment:
#   DESTDIR=/path          install into a scratch root instead of / (tests,
#                          packaging). Users and groups go into DESTDIR/etc
#                          (useradd --prefix), and `systemctl` on PATH must be
#                          a stand-in, since the real one manages this machine.
#   DASHCAMD_SKIP_NPM=1    skip `npm ci --omit=dev` (tests; the bundle has no
#                          node_modules). On the Pi npm runs only when
#                          package-lock.json, the Node ABI or the arch changed.
#   DASHCAMD_SRC=/path     the bundle (default: the directory above this script)
set -euo pipefail

SRC="${DASHCAMD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
DESTDIR="${DESTDIR:-}"
APP_DIR=/opt/dashcamd
CONF_DIR=/etc/dashcamd
STATE_DIR=/var/lib/dashcamd
UNIT=dashcamd.service
UNIT_DIR=/etc/systemd/system
POLKIT_RULE=/etc/polkit-1/rules.d/50-dashcamd-poweroff.rules
SERVICE_USER=dashcam
EXTRA_GROUPS=(gpio dialout video)
NODE_MAJOR_MIN=20

say() { printf 'dashcamd-install: %s\n' "$*"; }
warn() { printf 'dashcamd-install: WARNING: %s\n' "$*" >&2; }
die() {
  printf 'dashcamd-install: ERROR: %s\n' "$*" >&2
  exit 1
}

# --- checks ------------------------------------------------------------------

check_root() {
  [[ $(id -u) -eq 0 ]] || die "run as root: sudo $0"
}

check_bundle() {
  local f
  for f in dist/daemon/cli.js web/dist/index.html package.json package-lock.json \
    systemd/$UNIT deploy/config.example.json deploy/50-dashcamd-poweroff.rules \
    drivers/gps/sample-drive.nmea; do
    [[ -e "$SRC/$f" ]] || die "$SRC/$f is missing: build first (make build) and copy the whole bundle"
  done
}

check_node() {
  command -v node >/dev/null || die "node not found: install Node.js $NODE_MAJOR_MIN (docs/setup-pi.md)"
  [[ $(readlink -f "$(command -v node)") == /usr/bin/node* || -n $DESTDIR ]] ||
    warn "node is $(command -v node), but the unit runs /usr/bin/node"
  local version major
  version=$(node -p 'process.versions.node') || die "node does not run"
  major=${version%%.*}
  [[ $major =~ ^[0-9]+$ ]] || die "cannot read the Node.js version from '$version'"
  ((major >= NODE_MAJOR_MIN)) || die "Node.js $version is too old: dashcamd needs >= $NODE_MAJOR_MIN (Debian 12 ships 18; see docs/setup-pi.md)"
  if ((major != 20)); then
    warn "Node.js $version: on Bookworm (glibc 2.36) the native uWebSockets.js build loads only under Node 20;" \
      "with another version dashcamd refuses to start (exit 78). Use Node 20 unless this is Trixie."
  fi
  say "Node.js $version"
}

check_arch() {
  local arch
  arch=$(uname -m)
  case "$arch" in
    aarch64 | armv7l | x86_64) say "architecture $arch" ;;
    armv6l) die "armv6l (Pi Zero/1) has no Node.js 20 or uWebSockets.js build: use a Pi 3, 4 or 5" ;;
    *) die "unsupported architecture $arch (supported: aarch64, armv7l, x86_64)" ;;
  esac
}

check_systemctl() {
  command -v systemctl >/dev/null || die "systemctl not found"
  if [[ -n $DESTDIR ]]; then
    case "$(readlink -f "$(command -v systemctl)")" in
      /usr/bin/systemctl | /bin/systemctl)
        die "DESTDIR is set: put a stand-in systemctl first on PATH, the real one would change this machine" ;;
    esac
  fi
}

# --- users -------------------------------------------------------------------

# getent on the machine; the files themselves under DESTDIR.
lookup() {
  if [[ -z $DESTDIR ]]; then
    getent "$1" "$2"
  else
    grep "^$2:" "$DESTDIR/etc/$1"
  fi
}

prefix_args() {
  [[ -z $DESTDIR ]] || printf '%s\n' --prefix "$DESTDIR"
}

ensure_user() {
  local -a prefix
  mapfile -t prefix < <(prefix_args)
  local g
  for g in "${EXTRA_GROUPS[@]}"; do
    # Raspberry Pi OS has gpio already; elsewhere make it so the unit can start.
    lookup group "$g" >/dev/null || { groupadd "${prefix[@]}" --system "$g" && say "created group $g"; }
  done
  if ! lookup passwd "$SERVICE_USER" >/dev/null; then
    useradd "${prefix[@]}" --system --user-group --no-create-home --home-dir "$STATE_DIR" \
      --shell /usr/sbin/nologin --comment "dashcamd daemon" "$SERVICE_USER"
    say "created user $SERVICE_USER"
  fi
  for g in "${EXTRA_GROUPS[@]}"; do
    lookup group "$g" | cut -d: -f4 | tr , '\n' | grep -qx "$SERVICE_USER" ||
      { usermod "${prefix[@]}" --append --groups "$g" "$SERVICE_USER" && say "added $SERVICE_USER to $g"; }
  done
  SERVICE_UID=$(lookup passwd "$SERVICE_USER" | cut -d: -f3)
  SERVICE_GID=$(lookup passwd "$SERVICE_USER" | cut -d: -f4)
}

# --- files -------------------------------------------------------------------

# Replaces dst with a copy of src only when their contents differ, so a second
# run leaves every file (and its mtime) alone.
install_tree() {
  local src="$SRC/$1" dst="$DESTDIR$2"
  if [[ -d $dst ]] && diff -r -q --no-dereference "$src" "$dst" >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p "$(dirname "$dst")"
  rm -rf "$dst.new" "$dst.old"
  cp -R --preserve=timestamps "$src" "$dst.new"
  chown -R root:root "$dst.new"
  chmod -R u=rwX,go=rX "$dst.new"
  [[ ! -e $dst ]] || mv "$dst" "$dst.old"
  mv "$dst.new" "$dst"
  rm -rf "$dst.old"
  say "installed $2"
}

install_file() {
  local src="$SRC/$1" dst="$DESTDIR$2" mode="$3" group="${4:-root}"
  if [[ -f $dst ]] && cmp -s "$src" "$dst"; then
    chown "root:$group" "$dst"
    chmod "$mode" "$dst"
    return 0
  fi
  install -D -m "$mode" -o root -g "$group" "$src" "$dst"
  say "installed $2"
}

install_app() {
  install -d -m 0755 -o root -g root "$DESTDIR$APP_DIR"
  install_tree dist "$APP_DIR/dist"
  install_tree web/dist "$APP_DIR/web/dist"
  install_tree deploy "$APP_DIR/deploy"
  [[ ! -d $SRC/docs ]] || install_tree docs "$APP_DIR/docs"
  install_file package.json "$APP_DIR/package.json" 0644
  install_file package-lock.json "$APP_DIR/package-lock.json" 0644
  # --simulate replays it from PACKAGE_ROOT/drivers/gps (daemon/devices.ts SAMPLE_DRIVE).
  install_file drivers/gps/sample-drive.nmea "$APP_DIR/drivers/gps/sample-drive.nmea" 0644
}

install_dependencies() {
  if [[ ${DASHCAMD_SKIP_NPM:-} == 1 ]]; then
    say "DASHCAMD_SKIP_NPM=1: not running npm ci"
    return 0
  fi
  command -v npm >/dev/null || die "npm not found (NodeSource's nodejs includes it)"
  local app="$DESTDIR$APP_DIR" stamp
  # Native modules (uWS, better-sqlite3, serialport) depend on the Node ABI.
  stamp="$(sha256sum "$app/package-lock.json" | cut -d' ' -f1) $(node -p 'process.versions.modules + " " + process.arch')"
  if [[ -f $app/node_modules/.dashcamd-stamp && $(cat "$app/node_modules/.dashcamd-stamp") == "$stamp" ]]; then
    say "dependencies up to date"
    return 0
  fi
  say "npm ci --omit=dev (compiles better-sqlite3 when no prebuilt binary is reachable: minutes on a Pi)"
  (cd "$app" && npm ci --omit=dev --no-audit --no-fund)
  printf '%s\n' "$stamp" >"$app/node_modules/.dashcamd-stamp"
}

install_config() {
  install -d -m 0755 -o root -g root "$DESTDIR$CONF_DIR"
  local dst="$DESTDIR$CONF_DIR/config.json"
  if [[ -e $dst ]]; then
    say "kept existing $CONF_DIR/config.json"
    return 0
  fi
  # root owns it, the service reads it: a server token may live here.
  install -m 0640 -o root -g "$SERVICE_GID" "$SRC/deploy/config.example.json" "$dst"
  say "wrote $CONF_DIR/config.json from deploy/config.example.json"
}

install_system() {
  install -d -m 0750 -o "$SERVICE_UID" -g "$SERVICE_GID" "$DESTDIR$STATE_DIR"
  install_file "deploy/50-dashcamd-poweroff.rules" "$POLKIT_RULE" 0644
  install_file "systemd/$UNIT" "$UNIT_DIR/$UNIT" 0644
  if [[ -z $DESTDIR && ! -x /usr/lib/polkit-1/polkitd ]]; then
    warn "polkitd is not installed: the daemon cannot power the Pi off (apt install polkitd)"
  fi
  systemctl daemon-reload
  systemctl enable "$UNIT"
}

# The new program must accept the owner's config, or the restart after this
# would end in exit 78. Needs node_modules (zod); the file only, not drop-ins.
check_config() {
  local app="$DESTDIR$APP_DIR" problems
  if [[ ! -d $app/node_modules ]]; then
    say "no node_modules yet: config not checked"
    return 0
  fi
  local rc=0
  problems=$(cd "$app" && DASHCAMD_CONFIG="$DESTDIR$CONF_DIR/config.json" node --input-type=module -e '
      const { loadConfig } = await import("./dist/daemon/config/load.js");
      try { loadConfig({ env: { DASHCAMD_CONFIG: process.env.DASHCAMD_CONFIG } }); }
      catch (err) { console.error(err.message); process.exit(78); }' 2>&1) || rc=$?
  if ((rc != 0)); then
    printf '%s\n' "$problems" >&2
    ((rc == 78)) || die "could not load the program to check the config (exit $rc): is node_modules complete?"
    die "this version rejects $CONF_DIR/config.json (docs/config.md). Everything else is installed;" \
      "fix the file, then: systemctl restart dashcamd"
  fi
  say "$CONF_DIR/config.json is valid for this version"
}

main() {
  check_root
  check_bundle
  check_arch
  check_node
  check_systemctl
  ensure_user
  install_app
  install_dependencies
  install_config
  install_system
  check_config
  say "done. Start or restart with: systemctl restart dashcamd; logs: journalctl -u dashcamd -f -o cat"
  systemctl --no-pager --full status "$UNIT" || true
}

main "$@"
