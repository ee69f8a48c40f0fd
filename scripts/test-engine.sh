#!/usr/bin/env bash
# Private, throw-away Docker and Podman engines for imgtui's tests and demos.
#
#   test-engine.sh install [old|new|podman|sshd|all]  fetch/install engine binaries (idempotent)
#   test-engine.sh start NAME old|new|podman  start engine NAME, print its host URL on stdout
#   test-engine.sh seed NAME               load the standard seed set (below) into NAME
#   test-engine.sh seed-bulk NAME N [START] add N images bulk/img-<i>:latest (i from START, default 1)
#   test-engine.sh host NAME               print NAME's host URL (unix:///…/docker.sock or podman.sock)
#   test-engine.sh stop NAME | stop-all    stop containers, dockerd, its containerd and shims (podman: service, conmon)
#   test-engine.sh demo [old|new|podman]   throw-away seeded engine + `cargo run --release -- --host URL`
#   test-engine.sh sshd start DIR PORT CMD | sshd stop DIR   a private sshd for the ssh tests
#
# Engines: "old" = Docker 20.10 (Debian bookworm's docker.io, installed with apt);
#          "new" = Docker 28 from Debian sid (trixie's 26.1 if sid lacks it), unpacked with
#          `dpkg -x` into $IMGTUI_ENGINE_HOME/new-root and run with the containerd image store.
#          "podman" = Podman 4.3 (bookworm's podman, apt without recommends): a private
#          `podman system service` on podman.sock, with containers.conf, storage.conf and
#          registries.conf written into the state dir (storage on the tmpfs, cgroupfs, file
#          events and locks, runc, no network: netns "none", a private empty CNI config dir).
#          Seeded with the same set (`podman load` of the same archives; names get the
#          `localhost/` prefix Podman gives unqualified names); driven with `podman --remote`.
# State of engine NAME lives in $IMGTUI_ENGINE_RUN/NAME (default /tmp/imgtui-eng/NAME):
# docker.sock, dockerd.log, daemon.json, data/ (data-root), x/ (exec-root). `stop` deletes it
# unless IMGTUI_ENGINE_KEEP=1. NAME is at most 8 characters with the default run dir, because
# dockerd creates x/libnetwork/<64 hex>.sock and a unix socket path must fit in 107 bytes.
#
# Isolation: no bridge, no iptables, no forwarding/masquerading, no userland proxy, private
# data/exec roots, pidfile, config file, socket and cgroup parent; containers only with
# --network none and --pull never; the daemon's HTTP(S)_PROXY is a closed loopback port, so
# an accidental pull fails fast instead of leaving the machine. Never the system docker.sock
# or service. The data root is a private tmpfs (much faster: containerd fsyncs per image);
# IMGTUI_ENGINE_TMPFS=0 keeps it on disk, IMGTUI_ENGINE_TMPFS_SIZE sets its size (4g).
# IMGTUI_ENGINE_EXTRA_ARGS: more dockerd arguments for `start`, split at spaces (the TLS test
# adds -H tcp://127.0.0.1:PORT --tlsverify --tlscacert …); tcp:// only on loopback addresses.
# Other knobs: IMGTUI_ENGINE_START_TIMEOUT (60 s), IMGTUI_DOCKER_CLI, IMGTUI_BUSYBOX,
# IMGTUI_DEBIAN_MIRROR (default: the mirror the system's apt uses), IMGTUI_NEW_SUITES
# (suites tried for the new engine, default "sid trixie").
#
# Standard seed set (tests rely on these exact names; images are crafted by craft_image.py,
# so no registry is needed, and loaded with `docker load`):
#  1. imgtui-test/small:1        tiny; labels org.opencontainers.image.title=small,
#                                com.example.team=core
#  2. imgtui-test/big:1          one ~2 MiB layer of incompressible pseudo-random bytes
#  3. imgtui-test/multi:a, imgtui-test/multi:b, localhost:5000/team/app:1.2   one image, 3 tags
#  4. imgtui-test/tie:x, imgtui-test/tie:y   different images (label imgtui.tie=x|y) with the
#                                exactly same Size
#  5. imgtui-test/labels:many    60 labels label.key.000 … label.key.059 (= "value NNN")
#  6. imgtui-test/hostile:1      labels hostile.* with ESC]0;pwned BEL, ESC[2J, ESC[31mred,
#                                bare CR, backspaces, U+202E, U+009B (C1 CSI), CJK + emoji,
#                                a zero-width joiner; and a key containing ESC
#                                ("hostile.key\e[7m")
#  7. imgtui-test/rebuilt:latest loaded 3 times with different content (2, 6, 10 KiB files):
#                                the first two (labels imgtui.rebuilt=1|2) are dangling, with
#                                distinct sizes
#  8. imgtui-test/busybox:latest /bin/busybox (busybox-static) + applet symlinks; used by
#                                container imgtui-running (running `sleep 100000`) and
#                                imgtui-stopped (exited, ran `true`)
#  9. imgtui-test/old:1 (created 2015-01-01), imgtui-test/future:1 (created 2099-01-01)
# 10. imgtui-test/reused:latest  retagged once (14 KiB, then 18 KiB file): its first version
#                                (label imgtui.reused=1) is dangling and used by the created
#                                (never started) container imgtui-dangling-user
# => 15 images (12 tagged + 3 dangling; multi counts once), 14 tags, 3 containers, 1 running.
# Dangling images have RepoTags ["<none>:<none>"] on 20.10, [] on 28 at its own API version
# (but ["<none>:<none>"] again when 28 is asked at /v1.41).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$SCRIPT_DIR")
ENGINE_HOME=${IMGTUI_ENGINE_HOME:-$HOME/.cache/imgtui-engines}
RUN_BASE=${IMGTUI_ENGINE_RUN:-/tmp/imgtui-eng}
NEW_ROOT=$ENGINE_HOME/new-root
OLD_DOCKERD=/usr/sbin/dockerd
START_TIMEOUT=${IMGTUI_ENGINE_START_TIMEOUT:-60}
BUSYBOX=${IMGTUI_BUSYBOX:-/bin/busybox}
PYTHON=${PYTHON:-python3}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Longest path dockerd puts under the exec root: /libnetwork/<64 hex>.sock = 12 + 64 + 5.
SOCK_SUFFIX_LEN=81

log() { printf 'test-engine: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root (apt, mounts, cgroups)"; }

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# ---------------------------------------------------------------- install

# Installing docker.io must not start the system docker service (it would create docker0 and
# iptables rules): a temporary policy-rc.d forbids service starts during the install.
apt_install_no_services() {
  local own_policy=0 rc=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 || rc=$?
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

APT_UPDATED=0
system_apt_install() {
  local pkg missing=()
  for pkg in "$@"; do is_installed "$pkg" || missing+=("$pkg"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  need_root install
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -q >&2
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  apt_install_no_services "${missing[@]}"
}

install_old() {
  system_apt_install docker.io busybox-static runc curl python3
  [ -x "$OLD_DOCKERD" ] || die "$OLD_DOCKERD missing after installing docker.io"
  log "old engine: $("$OLD_DOCKERD" --version)"
}

# The Debian mirror the machine's apt already uses (no host names hard-coded here).
debian_mirror() {
  if [ -n "${IMGTUI_DEBIAN_MIRROR:-}" ]; then echo "$IMGTUI_DEBIAN_MIRROR"; return; fi
  # shellcheck disable=SC2016 # $(…) is apt's format syntax, not the shell's
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' \
    2>/dev/null | awk '$3 == "main" && $2 !~ /-/ && $1 !~ /security/ { print $1; exit }'
}

install_new() {
  if [ -x "$NEW_ROOT/usr/sbin/dockerd" ] && [ -x "$NEW_ROOT/usr/bin/containerd" ]; then
    log "new engine: reusing $NEW_ROOT ($(cat "$NEW_ROOT/VERSION" 2>/dev/null || echo '?'))"
    return 0
  fi
  need_root install
  # runc (and the libraries dockerd links) come from the system, not from sid.
  system_apt_install runc curl python3 busybox-static
  local mirror apt_dir suite cand pkgs=() tmp deb
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "cannot find the Debian mirror in apt's sources; set IMGTUI_DEBIAN_MIRROR"
  apt_dir=$ENGINE_HOME/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  # A private apt: own sources, lists, cache and an empty dpkg status, so nothing from sid
  # or trixie ever reaches the system's apt or dpkg. Its own pkgcache.bin: building it from
  # sid's Packages is the slow part, and every apt call below would redo it otherwise.
  local apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "Dir::Cache::pkgcache=$apt_dir/cache/pkgcache.bin"
    -o "Dir::Cache::srcpkgcache=$apt_dir/cache/srcpkgcache.bin"
    -o Dir::State::status=/dev/null -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts=/dev/null -o APT::Sandbox::User=root
    -o Acquire::Languages=none -q)
  # IMGTUI_NEW_SUITES: the suites to try, in order (e.g. "trixie" to test the fallback).
  for suite in ${IMGTUI_NEW_SUITES:-sid trixie}; do
    echo "deb [signed-by=$KEYRING target=Packages] $mirror $suite main" >"$apt_dir/sources.list"
    rm -f "$apt_dir/cache/"*.bin
    log "private apt-get update ($suite)"
    apt-get "${apt_opts[@]}" update >&2 || { log "apt-get update for $suite failed"; continue; }
    # "pkg version" for each package that has a candidate in this suite.
    cand=$(apt-cache "${apt_opts[@]}" policy docker.io containerd docker-cli 2>/dev/null |
      awk '/^[^ ]/ { p = $1; sub(/:$/, "", p) } /Candidate:/ && $2 != "(none)" { print p, $2 }')
    if grep -q '^docker.io ' <<<"$cand" && grep -q '^containerd ' <<<"$cand"; then
      # Newer docker.io no longer ships the CLI; take the matching docker-cli when there is one.
      mapfile -t pkgs < <(awk '{ print $1 }' <<<"$cand")
      break
    fi
    log "$suite lacks docker.io or containerd (candidates: $(tr '\n' ' ' <<<"$cand"))"
  done
  [ "${#pkgs[@]}" -gt 0 ] || die "no suite of '${IMGTUI_NEW_SUITES:-sid trixie}' serves docker.io and containerd"
  log "downloading from $suite: $(tr '\n' ' ' <<<"$cand")"
  rm -f "$apt_dir/debs/"*.deb
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2)
  # Unpack next to the cache and rename at the end, so an interrupted install is never reused.
  tmp=$NEW_ROOT.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for deb in "$apt_dir/debs/"*.deb; do dpkg -x "$deb" "$tmp"; done
  rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/man" "$apt_dir/debs/"*.deb
  echo "$suite: $(tr '\n' ' ' <<<"$cand")" >"$tmp/VERSION"
  "$tmp/usr/sbin/dockerd" --version >/dev/null || die "unpacked dockerd does not run"
  rm -rf "$NEW_ROOT"
  mv "$tmp" "$NEW_ROOT"
  log "new engine: $(cat "$NEW_ROOT/VERSION")"
}

cmd_install() {
  case "${1:-all}" in
    old) install_old ;;
    new) install_new ;;
    podman) install_podman ;;
    sshd) install_sshd ;;
    all) install_old; install_new; install_podman; install_sshd ;;
    *) usage ;;
  esac
}

# ---------------------------------------------------------------- sshd for the ssh tests

# OpenSSH's server, unpacked with `dpkg -x` into $SSHD_ROOT with the one library the system
# lacks (libwrap0): nothing is installed system-wide, no service is enabled or started.
SSHD_ROOT=$ENGINE_HOME/sshd-root
SSHD_LIBS=$SSHD_ROOT/usr/lib/x86_64-linux-gnu:$SSHD_ROOT/lib/x86_64-linux-gnu

install_sshd() {
  if [ -x "$SSHD_ROOT/usr/sbin/sshd" ]; then
    log "sshd: reusing $SSHD_ROOT"
    return 0
  fi
  need_root install
  # The client (imgtui runs `ssh`) and ssh-keygen; util-linux's unshare is always there.
  system_apt_install openssh-client
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -q >&2
    APT_UPDATED=1
  fi
  local tmp=$SSHD_ROOT.tmp.$$ deb
  rm -rf "$tmp"
  mkdir -p "$tmp/debs"
  (cd "$tmp/debs" && apt-get -o APT::Sandbox::User=root download -q openssh-server libwrap0 >&2)
  for deb in "$tmp/debs/"*.deb; do dpkg -x "$deb" "$tmp"; done
  rm -rf "$tmp/debs" "$tmp/usr/share/doc" "$tmp/usr/share/man"
  LD_LIBRARY_PATH=$tmp/usr/lib/x86_64-linux-gnu:$tmp/lib/x86_64-linux-gnu \
    "$tmp/usr/sbin/sshd" -V 2>&1 | grep -q OpenSSH || die "unpacked sshd does not run"
  rm -rf "$SSHD_ROOT"
  mv "$tmp" "$SSHD_ROOT"
  log "sshd: $(LD_LIBRARY_PATH=$SSHD_LIBS "$SSHD_ROOT/usr/sbin/sshd" -V 2>&1 | head -n 1)"
}

# A private sshd on 127.0.0.1:PORT with everything in DIR (absolute): host key, sshd_config,
# pidfile, log; and the client side for the tests: client_key, known_hosts, ssh_config and
# bin/ssh, a wrapper running the system's ssh with that config (put it first on PATH). The
# client key may only run CMD (a forced command in DIR/authorized_keys; sshd reads that file
# at every login, so a test may rewrite it). sshd runs as root in a mount namespace of its
# own where /etc/passwd is a copy with the privilege-separation user "sshd" added: nothing on
# the system changes but /run/sshd (sshd's fixed privsep directory), created if missing.
sshd_start() {
  [ $# -eq 3 ] || usage
  local dir=$1 port=$2 command=$3 waited=0
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port '$port'"
  [[ "$dir" == /?* ]] || die "sshd start: DIR must be an absolute path"
  need_root "sshd start"
  [ -x "$SSHD_ROOT/usr/sbin/sshd" ] || die "sshd not unpacked in $SSHD_ROOT; run: $0 install sshd"
  mkdir -p "$dir/bin"
  chmod 700 "$dir"
  [ -e "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C imgtui-test-host -f "$dir/host_key"
  [ -e "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C imgtui-test-client -f "$dir/client_key"
  printf 'command="%s",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding %s\n' \
    "$command" "$(cat "$dir/client_key.pub")" >"$dir/authorized_keys"
  printf '%s\n' \
    "ListenAddress 127.0.0.1:$port" \
    "HostKey $dir/host_key" \
    "PidFile $dir/sshd.pid" \
    "AuthorizedKeysFile $dir/authorized_keys" \
    "PermitRootLogin prohibit-password" \
    "PasswordAuthentication no" \
    "KbdInteractiveAuthentication no" \
    "UsePAM no" \
    "StrictModes no" \
    "AllowTcpForwarding no" \
    "X11Forwarding no" \
    "PrintMotd no" >"$dir/sshd_config"
  printf '%s\n' \
    "Host *" \
    "  IdentityFile $dir/client_key" \
    "  IdentitiesOnly yes" \
    "  IdentityAgent none" \
    "  UserKnownHostsFile $dir/known_hosts" \
    "  GlobalKnownHostsFile /dev/null" \
    "  StrictHostKeyChecking yes" >"$dir/ssh_config"
  # The host key is known beforehand, as after a first manual login.
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
  printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$(command -v ssh)" "$dir/ssh_config" >"$dir/bin/ssh"
  chmod 755 "$dir/bin/ssh"
  { cat /etc/passwd; echo 'sshd:x:65534:65534:imgtui test sshd:/run/sshd:/usr/sbin/nologin'; } >"$dir/passwd"
  mkdir -p /run/sshd
  rm -f "$dir/sshd.pid"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid unshare --mount --propagation private sh -c \
    'mount --bind "$1" /etc/passwd && LD_LIBRARY_PATH=$2 exec "$3" -D -e -f "$4"' \
    sh "$dir/passwd" "$SSHD_LIBS" "$SSHD_ROOT/usr/sbin/sshd" "$dir/sshd_config" \
    </dev/null >>"$dir/sshd.log" 2>&1 &
  until grep -q "Server listening" "$dir/sshd.log" 2>/dev/null; do
    if [ "$waited" -ge 100 ] || ! kill -0 $! 2>/dev/null; then
      cat "$dir/sshd.log" >&2 || true
      sshd_stop "$dir"
      die "sshd on 127.0.0.1:$port did not start"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "sshd up on 127.0.0.1:$port ($dir)"
}

sshd_stop() {
  [ $# -eq 1 ] || usage
  local dir=$1 pid
  pid=$(cat "$dir/sshd.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 50 >/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/sshd.pid"
}

cmd_sshd() {
  local sub=${1:-}
  [ $# -gt 0 ] && shift
  case "$sub" in
    start) sshd_start "$@" ;;
    stop) sshd_stop "$@" ;;
    *) usage ;;
  esac
}

# ---------------------------------------------------------------- engine helpers

check_name() {
  [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || die "bad engine name '$1' (letters, digits, - and _)"
  local xroot=$RUN_BASE/$1/x
  if [ $((${#xroot} + SOCK_SUFFIX_LEN)) -gt 107 ]; then
    die "exec root $xroot is too long for unix sockets ($((${#xroot} + SOCK_SUFFIX_LEN)) > 107 bytes); use a shorter NAME or IMGTUI_ENGINE_RUN"
  fi
}

eng_dir() { echo "$RUN_BASE/$1"; }
eng_kind() { cat "$RUN_BASE/$1/kind" 2>/dev/null || true; }
# Podman's service listens on podman.sock (the name tells the two apart in a listing).
eng_sock() {
  if [ "$(eng_kind "$1")" = podman ]; then echo "$RUN_BASE/$1/podman.sock"; else echo "$RUN_BASE/$1/docker.sock"; fi
}
eng_url() { echo "unix://$(eng_sock "$1")"; }

ping_ok() {
  [ -S "$(eng_sock "$1")" ] &&
    [ "$(curl -sS --max-time 3 --unix-socket "$(eng_sock "$1")" http://localhost/_ping 2>/dev/null)" = OK ]
}

# The daemon's PID (dockerd, or Podman's API service) from its pidfile, or (before it wrote
# one) from the process table.
dockerd_pid() {
  local pid p comm daemon=dockerd
  [ "$(eng_kind "$1")" != podman ] || daemon=podman
  pid=$(cat "$(eng_dir "$1")/$daemon.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  for p in $(engine_pids "$(eng_dir "$1")"); do
    { read -r comm <"/proc/$p/comm"; } 2>/dev/null || continue
    if [ "$comm" = "$daemon" ]; then echo "$p"; return 0; fi
  done
  return 1
}

# The newest docker CLI at hand; it negotiates the API version with either engine.
docker_cli() {
  if [ -n "${IMGTUI_DOCKER_CLI:-}" ]; then echo "$IMGTUI_DOCKER_CLI"
  elif [ -x "$NEW_ROOT/usr/bin/docker" ]; then echo "$NEW_ROOT/usr/bin/docker"
  else command -v docker || die "no docker CLI found (run: $0 install)"
  fi
}

# docker against engine NAME only: its socket, a private CLI config, no inherited context/TLS.
# For a Podman engine, podman's own client (--remote) against its socket: the same verbs and
# flags for what this script does (load, create, run, ps, images, inspect, version, rm).
dk() {
  local name=$1
  shift
  if [ "$(eng_kind "$name")" = podman ]; then
    pm_env "$name" podman --remote --url "$(eng_url "$name")" "$@"
    return
  fi
  env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
    DOCKER_HOST="$(eng_url "$name")" DOCKER_CONFIG="$(eng_dir "$name")/cli" "$(docker_cli)" "$@"
}

# PIDs of dockerd, containerd, shims and docker-proxy (or Podman's service, its conmon
# monitors and their `podman container cleanup` children) belonging to the engine in DIR
# (their command lines name its data/exec root, pidfile, sockets or storage).
engine_pids() {
  local dir=$1 p comm args
  # Builtins only (read/mapfile): forking per process is slow on a busy machine.
  for p in /proc/[0-9]*; do
    { read -r comm <"$p/comm"; } 2>/dev/null || continue
    case "$comm" in dockerd | containerd* | docker-proxy | podman | conmon) ;; *) continue ;; esac
    { mapfile -d '' args <"$p/cmdline"; } 2>/dev/null || continue
    if [[ "${args[*]}" == *"$dir/"* ]]; then echo "${p#/proc/}"; fi
  done
}

# Container processes of engine NAME: everything in its private cgroup parent.
# Named after the run dir too, so same-named engines of two run dirs never share it.
cgroup_name() { echo "imgtui-$(cksum <<<"$RUN_BASE" | cut -d' ' -f1)-$1"; }
cgroup_dirs() {
  find /sys/fs/cgroup -maxdepth 3 -type d -name "$(cgroup_name "$1")" 2>/dev/null || true
}
cgroup_pids() {
  local d
  for d in $(cgroup_dirs "$1"); do
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done | sort -un
}

# ---------------------------------------------------------------- start / stop

cmd_start() {
  [ $# -eq 2 ] || usage
  local name=$1 kind=$2 dir sock xroot pid dockerd path_env waited=0
  check_name "$name"
  case "$kind" in old | new | podman) ;; *) die "engine kind must be old, new or podman, not '$kind'" ;; esac
  dir=$(eng_dir "$name")
  sock=$(eng_sock "$name")
  xroot=$dir/x
  if dockerd_pid "$name" >/dev/null && ping_ok "$name"; then
    [ "$(cat "$dir/kind" 2>/dev/null)" = "$kind" ] ||
      die "engine $name is already running as $(cat "$dir/kind" 2>/dev/null)"
    log "engine $name ($kind) already running"
    eng_url "$name"
    return 0
  fi
  # Leftovers of a crashed run (processes, mounts) would confuse the new daemon.
  if [ -e "$dir" ]; then IMGTUI_ENGINE_KEEP=${IMGTUI_ENGINE_KEEP:-1} stop_engine "$name" quiet; fi
  need_root start
  if [ "$kind" = podman ]; then
    start_podman "$name"
    return
  fi
  if [ "$kind" = old ]; then
    dockerd=$OLD_DOCKERD
    [ -x "$dockerd" ] || die "Docker 20.10 not installed; run: $0 install old"
    path_env=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  else
    dockerd=$NEW_ROOT/usr/sbin/dockerd
    [ -x "$dockerd" ] || die "Docker 28 not unpacked in $NEW_ROOT; run: $0 install new"
    # Its own containerd, shim and ctr first; runc comes from the system.
    path_env=$NEW_ROOT/usr/bin:$NEW_ROOT/usr/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  fi
  mkdir -p "$dir/data" "$xroot" "$dir/cli"
  chmod 700 "$dir"
  # The data root on a private tmpfs: containerd fsyncs its metadata for every image, which
  # on a busy VM disk makes loads and imports several times slower. IMGTUI_ENGINE_TMPFS=0
  # keeps it on disk.
  if [ "${IMGTUI_ENGINE_TMPFS:-1}" != 0 ] && ! mountpoint -q "$dir/data"; then
    mount -t tmpfs -o "size=${IMGTUI_ENGINE_TMPFS_SIZE:-4g},mode=0710" "imgtui-$name" "$dir/data"
  fi
  rm -f "$dir/dockerd.pid" # dockerd refuses to start over a pidfile naming a live process
  echo "$kind" >"$dir/kind"
  # A private config file keeps /etc/docker/daemon.json out; on 20.10 it also moves the
  # daemon's key.json out of /etc/docker.
  # The containerd image store: `--feature` where dockerd has it (27+); trixie's 26.1 only
  # takes it from the config file.
  local snapshotter_flag=0
  if [ "$kind" = old ]; then
    printf '{\n  "log-level": "info",\n  "deprecated-key-path": "%s/key.json"\n}\n' "$dir" >"$dir/daemon.json"
  elif "$dockerd" --help 2>/dev/null | grep -q -- '--feature '; then
    snapshotter_flag=1
    printf '{\n  "log-level": "info"\n}\n' >"$dir/daemon.json"
  else
    printf '{\n  "log-level": "info",\n  "features": {"containerd-snapshotter": true}\n}\n' >"$dir/daemon.json"
  fi
  local args=(
    --config-file "$dir/daemon.json"
    --data-root "$dir/data"
    --exec-root "$xroot"
    --pidfile "$dir/dockerd.pid"
    -H "unix://$sock"
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false
    --userland-proxy=false
    --cgroup-parent "$(cgroup_name "$name")"
  )
  if [ "$snapshotter_flag" = 1 ]; then args+=(--feature containerd-snapshotter=true); fi
  local extra=() a
  read -r -a extra <<<"${IMGTUI_ENGINE_EXTRA_ARGS:-}"
  for a in "${extra[@]}"; do
    # Loopback only: never an engine API on an address another machine could reach.
    if [[ "$a" == *://* && "$a" != unix://* ]] &&
      ! [[ "$a" =~ ^tcp://(127\.[0-9.]+|localhost|\[::1\]):[0-9]+$ ]]; then
      die "IMGTUI_ENGINE_EXTRA_ARGS: $a is not a loopback tcp:// address"
    fi
  done
  args+=("${extra[@]}")
  log "starting $kind engine $name ($("$dockerd" --version))"
  # setsid: the daemon gets its own session, so Ctrl-C in the caller's terminal reaches the
  # caller (whose trap stops us in order) and not dockerd. A clean environment keeps the
  # caller's DOCKER_* and proxy variables away from the daemon.
  # The proxy variables point at a closed loopback port: should anything ask the daemon to
  # pull (a missing image in `docker run`), it fails at once instead of reaching a registry.
  local no_net=http://127.0.0.1:9 no_proxy=localhost,127.0.0.0/8,::1
  env -i PATH="$path_env" HOME="$dir" LANG=C.UTF-8 \
    HTTP_PROXY="$no_net" HTTPS_PROXY="$no_net" http_proxy="$no_net" https_proxy="$no_net" \
    NO_PROXY="$no_proxy" no_proxy="$no_proxy" \
    setsid "$dockerd" "${args[@]}" </dev/null >>"$dir/dockerd.log" 2>&1 &
  pid=$!
  until ping_ok "$name"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd for $name exited during start-up; last lines of $dir/dockerd.log:"
      tail -n 40 "$dir/dockerd.log" >&2 || true
      IMGTUI_ENGINE_KEEP=1 stop_engine "$name" quiet || true
      die "engine $name ($kind) failed to start"
    fi
    if [ "$waited" -ge $((START_TIMEOUT * 10)) ]; then
      log "dockerd for $name did not answer /_ping within ${START_TIMEOUT}s; last lines of $dir/dockerd.log:"
      tail -n 40 "$dir/dockerd.log" >&2 || true
      IMGTUI_ENGINE_KEEP=1 stop_engine "$name" quiet || true
      die "engine $name ($kind) failed to start"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "engine $name up after ~$((waited / 10)).$((waited % 10))s: $(eng_url "$name")"
  eng_url "$name"
}

# ---------------------------------------------------------------- podman

# Podman (Debian's package) and its runtime; no recommends: slirp4netns, buildah, uidmap
# and dbus are for rootless use. The package installs systemd units (podman.socket,
# podman.service, auto-update): nothing starts them here (policy-rc.d during the install,
# and the engines run without systemd), and `start` runs a private `podman system service`.
install_podman() {
  local pkg missing=()
  for pkg in podman runc busybox-static curl python3; do is_installed "$pkg" || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    need_root install
    [ "$APT_UPDATED" = 1 ] || { log "apt-get update"; apt-get update -q >&2; APT_UPDATED=1; }
    log "apt-get install --no-install-recommends ${missing[*]}"
    apt_install_no_services --no-install-recommends "${missing[@]}"
  fi
  command -v podman >/dev/null || die "podman missing after installing it"
  log "podman engine: $(podman --version)"
}

# Podman's client and tools with engine NAME's private configuration only: every path
# (storage, run state, locks, events, network configs) is under its state dir, the proxy
# variables point at a closed loopback port, and registries.conf names no registry.
pm_env() {
  local name=$1
  shift
  pm_env_vars "$name"
  env -i "${PM_ENV[@]}" "$@"
}
# The environment of pm_env in the array PM_ENV (the service is started with it directly, so
# that $! is the service's PID and not a shell's).
pm_env_vars() {
  local name=$1 dir no_net=http://127.0.0.1:9 no_proxy=localhost,127.0.0.0/8,::1
  dir=$(eng_dir "$name")
  PM_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" \
    LANG=C.UTF-8 XDG_RUNTIME_DIR="$dir/run" XDG_CONFIG_HOME="$dir/config" \
    CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_STORAGE_CONF="$dir/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" \
    HTTP_PROXY="$no_net" HTTPS_PROXY="$no_net" http_proxy="$no_net" https_proxy="$no_net" \
    NO_PROXY="$no_proxy" no_proxy="$no_proxy")
}

# Writes engine NAME's containers.conf, storage.conf and registries.conf.
podman_config() {
  local name=$1 dir
  dir=$(eng_dir "$name")
  # Networking: containers default to no network namespace setup at all (netns = "none",
  # and every container here is created with --network none too); the CNI config dir is a
  # private empty one, so not even the default "podman" bridge config is read or written.
  # cgroupfs: no systemd. Limits set explicitly: without them runc fails with "error
  # setting rlimit" (the defaults exceed what the machine allows). File locks and the event
  # log under the state dir, so two engines never share /dev/shm locks or the journal.
  cat >"$dir/containers.conf" <<CONF
[containers]
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
log_driver = "k8s-file"

[network]
network_backend = "cni"
network_config_dir = "$dir/net"
default_network = "imgtui-none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
runtime = "runc"
lock_type = "file"
tmp_dir = "$dir/tmp"
static_dir = "$dir/data/libpod"
volume_path = "$dir/data/volumes"
pull_policy = "never"
CONF
  cat >"$dir/storage.conf" <<CONF
[storage]
driver = "${IMGTUI_PODMAN_DRIVER:-overlay}"
graphroot = "$dir/data/storage"
runroot = "$dir/run/storage"
CONF
  cat >"$dir/registries.conf" <<CONF
unqualified-search-registries = []
short-name-mode = "disabled"
CONF
}

start_podman() {
  local name=$1 dir sock pid waited=0
  dir=$(eng_dir "$name")
  command -v podman >/dev/null || die "podman not installed; run: $0 install podman"
  mkdir -p "$dir/data" "$dir/run" "$dir/tmp" "$dir/net" "$dir/config"
  chmod 700 "$dir"
  if [ "${IMGTUI_ENGINE_TMPFS:-1}" != 0 ] && ! mountpoint -q "$dir/data"; then
    mount -t tmpfs -o "size=${IMGTUI_ENGINE_TMPFS_SIZE:-4g},mode=0710" "imgtui-$name" "$dir/data"
  fi
  echo podman >"$dir/kind"
  sock=$(eng_sock "$name")
  rm -f "$sock" "$dir/podman.pid"
  podman_config "$name"
  log "starting podman engine $name ($(podman --version))"
  # --time=0: the service never exits on its own; setsid as for dockerd.
  pm_env_vars "$name"
  env -i "${PM_ENV[@]}" setsid podman --log-level=info system service --time=0 "unix://$sock" \
    </dev/null >>"$dir/podman.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/podman.pid"
  until ping_ok "$name"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "podman service for $name exited during start-up; last lines of $dir/podman.log:"
      tail -n 40 "$dir/podman.log" >&2 || true
      IMGTUI_ENGINE_KEEP=1 stop_engine "$name" quiet || true
      die "engine $name (podman) failed to start"
    fi
    if [ "$waited" -ge $((START_TIMEOUT * 10)) ]; then
      log "podman service for $name did not answer /_ping within ${START_TIMEOUT}s; last lines of $dir/podman.log:"
      tail -n 40 "$dir/podman.log" >&2 || true
      IMGTUI_ENGINE_KEEP=1 stop_engine "$name" quiet || true
      die "engine $name (podman) failed to start"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "engine $name up after ~$((waited / 10)).$((waited % 10))s: $(eng_url "$name")"
  eng_url "$name"
}

# Wait up to $2 tenths of a second for the PIDs in "$1" to exit; print the survivors on timeout.
wait_gone() {
  local pids=$1 limit=$2 i=0 p alive
  while :; do
    alive=
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    [ "$i" -ge "$limit" ] && { echo "$alive"; return 1; }
    sleep 0.1
    i=$((i + 1))
  done
}

stop_engine() {
  local name=$1 quiet=${2:-} dir pid ids pids left mnt d
  dir=$(eng_dir "$name")
  if [ ! -d "$dir" ]; then
    [ -n "$quiet" ] || log "engine $name: nothing to stop"
    return 0
  fi
  # 1. Containers first, while the daemon can still stop them cleanly.
  if ping_ok "$name"; then
    ids=$(dk "$name" ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086 # one word per container ID
      if [ "${IMGTUI_ENGINE_KEEP:-0}" = 1 ]; then
        dk "$name" stop -t 1 $ids >/dev/null 2>&1 || true
      else
        # podman rm -f waits the stop timeout (10 s) for a process ignoring SIGTERM.
        local now=()
        [ "$(eng_kind "$name")" != podman ] || now=(-t 0)
        dk "$name" rm -f "${now[@]}" $ids >/dev/null 2>&1 || true
      fi
    fi
  fi
  # 2. dockerd: SIGTERM and wait; it shuts down its managed containerd itself.
  pid=$(dockerd_pid "$name" || true)
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 300 >/dev/null; then
      log "dockerd $pid of $name ignored SIGTERM for 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 50 >/dev/null || true
    fi
  fi
  # 3. Its containerd and shims must exit too; give them a moment, then force.
  pids=$(engine_pids "$dir")
  if [ -n "$pids" ] && ! left=$(wait_gone "$pids" 150); then
    log "engine $name: processes still alive after dockerd stopped:$left; sending SIGTERM"
    # shellcheck disable=SC2086
    kill -TERM $left 2>/dev/null || true
    if ! left=$(wait_gone "$left" 50); then
      # shellcheck disable=SC2086
      kill -KILL $left 2>/dev/null || true
      wait_gone "$left" 50 >/dev/null || true
    fi
  fi
  pids=$(cgroup_pids "$name")
  if [ -n "$pids" ]; then
    log "engine $name: killing leftover container processes: $(tr '\n' ' ' <<<"$pids")"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    wait_gone "$pids" 50 >/dev/null || true
  fi
  # 4. Mounts under the state dir (overlay, netns, shm) would make rm fail or leak.
  while read -r mnt; do
    # With IMGTUI_ENGINE_KEEP=1 the tmpfs data root stays mounted: it is the kept state.
    if [ "${IMGTUI_ENGINE_KEEP:-0}" = 1 ] && [ "$mnt" = "$dir/data" ]; then continue; fi
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for d in $(cgroup_dirs "$name"); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  left=$(engine_pids "$dir")
  [ -z "$left" ] || die "engine $name: processes still running: $(tr '\n' ' ' <<<"$left")"
  if [ "${IMGTUI_ENGINE_KEEP:-0}" != 1 ]; then
    # Never rm -rf through a mount point that refused to go away.
    if awk -v d="$dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
      die "engine $name: mounts remain under $dir; not deleting it"
    fi
    rm -rf "$dir"
  fi
  [ -n "$quiet" ] || log "engine $name stopped"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  check_name "$1"
  stop_engine "$1"
}

cmd_stop_all() {
  local d
  [ -d "$RUN_BASE" ] || return 0
  for d in "$RUN_BASE"/*/; do
    [ -d "$d" ] || continue
    stop_engine "$(basename "$d")"
  done
}

cmd_host() {
  [ $# -eq 1 ] || usage
  check_name "$1"
  ping_ok "$1" || log "warning: engine $1 is not running"
  eng_url "$1"
}

require_running() {
  check_name "$1"
  ping_ok "$1" || die "engine $1 is not running (start it with: $0 start $1 old|new)"
}

# ---------------------------------------------------------------- seeding

seed_summary() {
  local name=$1
  printf 'seed summary for %s (%s, version %s): images=%s dangling=%s tags=%s containers=%s running=%s\n' \
    "$name" "$(cat "$(eng_dir "$name")/kind")" \
    "$(dk "$name" version --format '{{.Server.Version}}')" \
    "$(dk "$name" images -aq --no-trunc | sort -u | wc -l)" \
    "$(dk "$name" images -q --no-trunc -f dangling=true | sort -u | wc -l)" \
    "$(dk "$name" images --format '{{.Repository}}:{{.Tag}}' | grep -vc '<none>' || true)" \
    "$(dk "$name" ps -aq | wc -l)" "$(dk "$name" ps -q | wc -l)"
}

# Docker 26 (the trixie fallback) with the containerd store drops an image whose tag
# `docker load` moves, where 27+ keeps it as containerd image "moby-dangling@<digest>" (and
# 20.10 as <none>:<none>). There, name it so by hand before the tag moves.
keep_dangling() {
  local name=$1 ref=$2 version digest
  [ "$(cat "$(eng_dir "$name")/kind")" = new ] || return 0
  version=$(dk "$name" version --format '{{.Server.Version}}')
  [ "${version%%.*}" -lt 27 ] || return 0
  digest=$(dk "$name" image inspect --format '{{.Id}}' "$ref")
  "$NEW_ROOT/usr/bin/ctr" --address "$(eng_dir "$name")/x/containerd/containerd.sock" -n moby \
    images tag --force "docker.io/$ref" "moby-dangling@$digest" >/dev/null
}

cmd_seed() {
  [ $# -eq 1 ] || usage
  local name=$1 tmp f
  require_running "$name"
  if dk "$name" image inspect imgtui-test/small:1 >/dev/null 2>&1; then
    log "engine $name is already seeded"
    seed_summary "$name"
    return 0
  fi
  [ -x "$BUSYBOX" ] || die "$BUSYBOX missing (apt-get install busybox-static)"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/imgtui-seed.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  "$PYTHON" "$SCRIPT_DIR/craft_image.py" seed "$tmp" --busybox "$BUSYBOX"
  # One load per step: a tag that moves between loads leaves the old image dangling.
  for f in base rebuilt-1 rebuilt-2 rebuilt-3 reused-1; do
    case "$f" in rebuilt-[23]) keep_dangling "$name" imgtui-test/rebuilt:latest ;; esac
    dk "$name" load -q -i "$tmp/$f.tar" >&2
  done
  # dockerd puts containers in the engine's cgroup parent itself; podman is told per container.
  local ctr=(--pull never --network none)
  [ "$(eng_kind "$name")" != podman ] || ctr+=(--cgroup-parent "/$(cgroup_name "$name")")
  dk "$name" create "${ctr[@]}" --name imgtui-dangling-user imgtui-test/reused:latest >/dev/null
  keep_dangling "$name" imgtui-test/reused:latest
  dk "$name" load -q -i "$tmp/reused-2.tar" >&2
  dk "$name" run -d "${ctr[@]}" --name imgtui-running imgtui-test/busybox:latest \
    sleep 100000 >/dev/null
  dk "$name" run "${ctr[@]}" --name imgtui-stopped imgtui-test/busybox:latest true
  seed_summary "$name"
}

cmd_seed_bulk() {
  if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
  local name=$1 n=$2 start=${3:-1} kind tmp chunk i ctr sock t0
  [[ "$n" =~ ^[0-9]+$ && "$start" =~ ^[0-9]+$ ]] || die "N and START must be numbers"
  require_running "$name"
  kind=$(cat "$(eng_dir "$name")/kind")
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/imgtui-bulk.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  t0=$SECONDS
  if [ "$kind" = old ] || [ "$kind" = podman ]; then
    # 20.10 (and Podman) load one archive of N configs sharing one layer quickly.
    "$PYTHON" "$SCRIPT_DIR/craft_image.py" bulk-docker "$tmp/bulk.tar" "$n" --start "$start"
    dk "$name" load -q -i "$tmp/bulk.tar" >/dev/null
  else
    # On the containerd store `docker load` gets slower with every image present; importing
    # straight into dockerd's containerd (namespace moby) in chunks is ~10x faster.
    ctr=$NEW_ROOT/usr/bin/ctr
    sock=$(eng_dir "$name")/x/containerd/containerd.sock
    [ -S "$sock" ] || die "containerd socket $sock not found"
    # The images share one layer: unpacking it once (with the first image) is enough for
    # sizes and containers; unpacking every image makes the import ~3x slower.
    local unpack=()
    i=$start
    while [ "$i" -lt $((start + n)) ]; do
      chunk=$((start + n - i))
      [ "$chunk" -le 1500 ] || chunk=1500
      if [ "$i" = "$start" ]; then chunk=1; else unpack=(--no-unpack); fi
      "$PYTHON" "$SCRIPT_DIR/craft_image.py" bulk-oci "$tmp/bulk.tar" "$chunk" --start "$i"
      "$ctr" --address "$sock" -n moby images import "${unpack[@]}" "$tmp/bulk.tar" >/dev/null
      rm -f "$tmp/bulk.tar"
      i=$((i + chunk))
    done
  fi
  log "added $n bulk images to $name in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- demo

cmd_demo() {
  local kind=${1:-new} name url
  case "$kind" in old | new | podman) ;; *) usage ;; esac
  name=demo-$kind
  [ "$kind" != podman ] || name=demo-pod
  cmd_install "$kind"
  if [ -d "$(eng_dir "$name")" ]; then die "engine $name exists already (stop it: $0 stop $name)"; fi
  # shellcheck disable=SC2064
  trap "stop_engine '$name'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  url=$(cmd_start "$name" "$kind")
  cmd_seed "$name" >&2
  (cd "$REPO_DIR" && cargo run --release -- --host "$url")
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    seed) cmd_seed "$@" ;;
    seed-bulk) cmd_seed_bulk "$@" ;;
    stop) cmd_stop "$@" ;;
    stop-all) cmd_stop_all "$@" ;;
    host) cmd_host "$@" ;;
    demo) cmd_demo "$@" ;;
    sshd) cmd_sshd "$@" ;;
    *) usage ;;
  esac
}

main "$@"
