#!/usr/bin/env bash
# Run a REAL Keystone 22 (Zed) and Placement 8, and the API apps of Glance 25, Nova 26,
# Cinder 21, Ironic 21, Manila 15, Neutron 21, Heat 19 and Barbican 15 (all Zed), from Debian
# packages on 127.0.0.1 for osauth's integration tests and CI.
#
#   scripts/openstack-dev.sh start    install packages if missing, initialise once, start every
#                                     server, create fixtures; ok when already running
#   scripts/openstack-dev.sh stop     stop the servers this script started, remove pid files
#   scripts/openstack-dev.sh status   what runs where (exit 0 only when both answer)
#   scripts/openstack-dev.sh restart keystone|placement
#                                     stop and start one server of an initialised cloud with the
#                                     current settings (e.g. OSAUTH_OS_TOKEN_EXPIRATION); fixtures kept
#   scripts/openstack-dev.sh reset    stop and delete $OSAUTH_OS_DIR (next start re-initialises)
#   scripts/openstack-dev.sh env      print the settings (ports, dir) as shell assignments
#
# Outputs (all under $OSAUTH_OS_DIR, default <repo>/.openstack/, git-ignored):
#   fixtures.json   everything the integration tests need (urls, ids, names, passwords, secrets)
#   openrc          OS_* variables for the admin user (source it)
#   clouds.yaml     clouds osauth-admin, osauth-demo, osauth-appcred, osauth-system
#   <service>.log setup.log   server / setup logs; *.pid   pid files
#   <service>/                config dirs (each service's paste file comes from its *-common
#                             package, apt-get download + dpkg-deb -x into pkg/, not installed)
#
# Environment (defaults in brackets):
#   OSAUTH_OS_DIR [<repo>/.openstack]  OSAUTH_OS_PORT_BASE [15000]
#   ports, each defaulting to base+offset:
#     OSAUTH_KEYSTONE_PORT [+0]  OSAUTH_KEYSTONE_INTERNAL_PORT [+10]  OSAUTH_KEYSTONE_ADMIN_PORT [+20]
#     OSAUTH_PLACEMENT_PORT [+1] OSAUTH_PLACEMENT_INTERNAL_PORT [+11] OSAUTH_PLACEMENT_ADMIN_PORT [+21]
#     OSAUTH_PLACEMENT_REGION2_PORT [+101]   (RegionTwo's public placement endpoint)
#   OSAUTH_OS_CORS_ORIGIN [http://127.0.0.1:<base+50>]  the origin both services' [cors] allow
#     (the browser tests serve their page there; README "In the browser" has the same [cors])
#     the other services, public/internal/admin (scripts/os_services.py, base+offset only):
#       glance +2/+12/+22  nova +3/+13/+23  cinder +4/+14/+24  ironic +5/+15/+25
#       manila +6/+16/+26  neutron +7/+17/+27  heat +8/+18/+28  barbican +9/+19/+29
#   OSAUTH_OS_SERVICES [glance nova cinder ironic manila neutron heat barbican]  which of the
#     other services to run ("none": Keystone and Placement only). Their catalog URLs:
#     nova .../v2.1, cinder (type volumev3) .../v3/%(project_id)s, manila (sharev2) .../v2,
#     heat .../v1/%(tenant_id)s; glance, ironic, neutron, barbican unversioned.
#   OSAUTH_ADMIN_PASSWORD [admin-secret-pw]  OSAUTH_DEMO_PASSWORD [demo-secret-pw]
#   OSAUTH_PLACEMENT_PASSWORD [placement-secret-pw]  OSAUTH_OS_TOKEN_EXPIRATION [3600]
#   OSAUTH_OS_ACCESS_LOG [1]  (0: no per-request lines in the server logs)
#   OSAUTH_OS_START_TIMEOUT [90]  seconds to wait for the servers to answer
#
# Every listener binds 127.0.0.1 only. Each interface (public/internal/admin) and RegionTwo get
# their own port, served by the same process, so catalog selection is observable and every
# catalog URL really works. Only processes whose /proc/PID/cmdline is
# "/usr/bin/python3 <repo>/scripts/os_wsgi_server.py <service> <OSAUTH_OS_DIR> ..." are signalled.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$REPO/scripts
SERVER=$SCRIPTS/os_wsgi_server.py
PY=/usr/bin/python3
OS_DIR=$(realpath -m "${OSAUTH_OS_DIR:-$REPO/.openstack}")
BASE=${OSAUTH_OS_PORT_BASE:-15000}
KS_PORT=${OSAUTH_KEYSTONE_PORT:-$BASE}
KS_INTERNAL_PORT=${OSAUTH_KEYSTONE_INTERNAL_PORT:-$((BASE + 10))}
KS_ADMIN_PORT=${OSAUTH_KEYSTONE_ADMIN_PORT:-$((BASE + 20))}
PL_PORT=${OSAUTH_PLACEMENT_PORT:-$((BASE + 1))}
PL_INTERNAL_PORT=${OSAUTH_PLACEMENT_INTERNAL_PORT:-$((BASE + 11))}
PL_ADMIN_PORT=${OSAUTH_PLACEMENT_ADMIN_PORT:-$((BASE + 21))}
PL_REGION2_PORT=${OSAUTH_PLACEMENT_REGION2_PORT:-$((BASE + 101))}
CORS_ORIGIN=${OSAUTH_OS_CORS_ORIGIN:-http://127.0.0.1:$((BASE + 50))}
ADMIN_PASSWORD=${OSAUTH_ADMIN_PASSWORD:-admin-secret-pw}
DEMO_PASSWORD=${OSAUTH_DEMO_PASSWORD:-demo-secret-pw}
PLACEMENT_PASSWORD=${OSAUTH_PLACEMENT_PASSWORD:-placement-secret-pw}
TOKEN_EXPIRATION=${OSAUTH_OS_TOKEN_EXPIRATION:-3600}
START_TIMEOUT=${OSAUTH_OS_START_TIMEOUT:-90}
# Bump when the initialisation (db/bootstrap) changes: a mismatch re-initialises from scratch.
INIT_VERSION=1
PACKAGES=(python3-keystone python3-placement python3-keystoneauth1 python3-openstacksdk)
ALL_SERVICES=(glance nova cinder ironic manila neutron heat barbican)
SERVICES_ENV=${OSAUTH_OS_SERVICES-${ALL_SERVICES[*]}}
[ "$SERVICES_ENV" = none ] && SERVICES_ENV=
read -r -a SERVICES <<<"$SERVICES_ENV"
for name in "${SERVICES[@]}"; do
  [[ " ${ALL_SERVICES[*]} " == *" $name "* ]] || {
    echo "OSAUTH_OS_SERVICES: unknown service $name (${ALL_SERVICES[*]})" >&2
    exit 2
  }
done
if [ "${#SERVICES[@]}" -gt 0 ]; then
  PACKAGES+=(python3-keystonemiddleware)
  for name in "${SERVICES[@]}"; do PACKAGES+=("python3-$name"); done
fi

KS_PORTS=("$KS_PORT" "$KS_INTERNAL_PORT" "$KS_ADMIN_PORT")
PL_PORTS=("$PL_PORT" "$PL_INTERNAL_PORT" "$PL_ADMIN_PORT" "$PL_REGION2_PORT")
# public internal admin ports of the other services: the offsets of scripts/os_services.py
declare -A SVC_PORTS=()
i=2
for name in "${ALL_SERVICES[@]}"; do
  SVC_PORTS[$name]="$((BASE + i)) $((BASE + 10 + i)) $((BASE + 20 + i))"
  i=$((i + 1))
done

log() { printf '[openstack-dev %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }
T0=$(now_ms)
elapsed() { printf '%d.%03ds' $((($(now_ms) - T0) / 1000)) $((($(now_ms) - T0) % 1000)); }

tail_log() { # file
  if [ -s "$1" ]; then
    log "---- last lines of $1 ----"
    tail -n 40 "$1" >&2
    log "---- end of $1 ----"
  fi
}

# ---------------------------------------------------------------- packages
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages_installed() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || return 1
  done
  [ -x /usr/bin/keystone-manage ] && [ -x /usr/bin/placement-manage ]
}

ensure_packages() {
  packages_installed && return 0
  log "installing ${PACKAGES[*]} (apt-get, --no-install-recommends)"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}")
  if ! as_root "${apt[@]}" >"$OS_DIR/apt.log" 2>&1; then
    log "install failed; running apt-get update and retrying"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$OS_DIR/apt.log" 2>&1 || true
    as_root "${apt[@]}" >>"$OS_DIR/apt.log" 2>&1 || { tail_log "$OS_DIR/apt.log"; die "apt-get install failed"; }
  fi
  packages_installed || die "packages still missing after apt-get install"
  log "packages installed ($(elapsed))"
}

# ---------------------------------------------------------------- processes
# Our server for <name>: argv is exactly [/usr/bin/python3, $SERVER, name, $OS_DIR, ports...]
# and the process is not a zombie (PID 1 may never reap it).
is_our_server() { # pid name
  local pid=$1 name=$2 state args=()
  [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
  case $state in Z | X | "") return 1 ;; esac
  mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || return 1
  # Neutron imports setproctitle, which rewrites argv as one space-separated string
  [ "${#args[@]}" -eq 1 ] && read -r -a args <<<"${args[0]}"
  [ "${#args[@]}" -ge 5 ] && [ "${args[1]}" = "$SERVER" ] && [ "${args[2]}" = "$name" ] &&
    [ "${args[3]}" = "$OS_DIR" ]
}

pid_of() { # name -> prints pid when the pid file names our running server
  local f=$OS_DIR/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(head -c 32 "$f" | tr -dc 0-9)
  is_our_server "$pid" "$1" || return 1
  echo "$pid"
}

# Servers of ours without (or with a stale) pid file, e.g. after the pid file was deleted.
orphans_of() { # name
  local d pid known
  known=$(pid_of "$1" || true)
  for d in $(grep -laF "$SERVER" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${d#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" = "$known" ] && continue
    if is_our_server "$pid" "$1" 2>/dev/null; then echo "$pid"; fi
  done
  return 0
}

ports_of() {
  case $1 in
  keystone) echo "${KS_PORTS[*]}" ;;
  placement) echo "${PL_PORTS[*]}" ;;
  *) echo "${SVC_PORTS[$1]}" ;;
  esac
}

start_server() { # name
  local name=$1 pid port
  if pid=$(pid_of "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  for pid in $(orphans_of "$name"); do
    log "$name: adopting orphan server pid $pid (no pid file)"
    echo "$pid" >"$OS_DIR/$name.pid"
    return 0
  done
  check_ports_free "$name"
  printf '\n==== %s starting %s on ports %s\n' "$(date -Is)" "$name" "$(ports_of "$name")" >>"$OS_DIR/$name.log"
  # shellcheck disable=SC2046
  # Keystone's CORS middleware reads [cors] from its own oslo.config object, which finds only
  # the standard keystone.conf locations (/etc/keystone, ~/.keystone), not OS_KEYSTONE_CONFIG_DIR:
  # the same values also go in through oslo.config's environment source (OS_<GROUP>__<OPTION>).
  OS_CORS__ALLOWED_ORIGIN=$CORS_ORIGIN OS_CORS__ALLOW_HEADERS=$CORS_ALLOW_HEADERS \
    OS_CORS__EXPOSE_HEADERS=$CORS_EXPOSE_HEADERS \
    nohup "$PY" "$SERVER" "$name" "$OS_DIR" $(ports_of "$name") >>"$OS_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$OS_DIR/$name.pid"
  STARTED+=("$name")
}

check_ports_free() { # name (not running)
  local port
  for port in $(ports_of "$1"); do
    if port_answers "$port"; then
      die "port 127.0.0.1:$port (for $1) is in use by another process; set OSAUTH_OS_PORT_BASE or the OSAUTH_*_PORT variables"
    fi
  done
}

stop_server() { # name
  local name=$1 pids pid i
  pids="$(pid_of "$name" || true) $(orphans_of "$name")"
  for pid in $pids; do
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      is_our_server "$pid" "$name" || break
      sleep 0.1
    done
    if is_our_server "$pid" "$name"; then
      log "$name (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$OS_DIR/$name.pid"
}

port_answers() { # port -> true when something accepts connections on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_code() { # url
  local code
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null) || true
  echo "${code:-000}"
}

# ---------------------------------------------------------------- configuration
# oslo.middleware's CORS, the same for both services: what README "In the browser" gives.
CORS_ALLOW_HEADERS=X-Auth-Token,X-Openstack-Request-Id,X-Subject-Token,Openstack-Auth-Receipt,X-Service-Token,OpenStack-API-Version,X-OpenStack-Nova-API-Version,X-OpenStack-Ironic-API-Version,X-OpenStack-Manila-API-Version
CORS_EXPOSE_HEADERS=X-Subject-Token,X-Openstack-Request-Id,X-Compute-Request-Id,Openstack-Request-Id,OpenStack-API-Version,X-OpenStack-Nova-API-Version,Openstack-Auth-Receipt,Retry-After
render_cors() {
  cat <<EOF

[cors]
allowed_origin = $CORS_ORIGIN
allow_headers = $CORS_ALLOW_HEADERS
expose_headers = $CORS_EXPOSE_HEADERS
EOF
}

render_keystone_conf() {
  cat <<EOF
# generated by scripts/openstack-dev.sh - rewritten on every start
[DEFAULT]
debug = false

[database]
connection = sqlite:///$OS_DIR/keystone.db

[identity]
# bcrypt with 4 rounds: password auth ~15 ms instead of ~300 ms
password_hash_rounds = 4
# bcrypt's own limit: silences a warning logged on every hash (longer secrets, such as
# application credential secrets, are still truncated to 72 bytes by Keystone)
max_password_length = 72

[cache]
# in-process cache: token validation ~5 ms instead of ~200 ms. memory_pickle, not memory:
# the plain memory backend hands out the cached objects themselves and Keystone mutates them
# (credential decryption pops encrypted_blob: the 2nd GET /v3/credentials or TOTP auth -> 500)
enabled = true
backend = dogpile.cache.memory_pickle

[auth]
methods = external,password,token,oauth1,mapped,application_credential,totp

[token]
provider = fernet
expiration = $TOKEN_EXPIRATION

[fernet_tokens]
key_repository = $OS_DIR/fernet-keys

[fernet_receipts]
key_repository = $OS_DIR/fernet-keys

[credential]
key_repository = $OS_DIR/credential-keys
EOF
  render_cors
}

render_placement_conf() {
  cat <<EOF
# generated by scripts/openstack-dev.sh - rewritten on every start
[DEFAULT]
debug = false

[api]
auth_strategy = keystone

[placement_database]
connection = sqlite:///$OS_DIR/placement.db

[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KS_PORT/v3
auth_url = http://127.0.0.1:$KS_PORT/v3
auth_type = password
username = placement
password = $PLACEMENT_PASSWORD
user_domain_id = default
project_name = service
project_domain_id = default
interface = public
region_name = RegionOne
# never cache validations, so a revoked token is refused at once (revocation tests)
token_cache_time = -1
EOF
  render_cors
}

config_current() { # name -> true when <name>.conf holds what this run would write
  "render_$1_conf" | cmp -s - "$OS_DIR/$1/$1.conf"
}

write_configs() { # rewrites the configs; a running server whose config changed is stopped
  local name
  for name in keystone placement; do
    config_current "$name" && continue
    if pid_of "$name" >/dev/null || [ -n "$(orphans_of "$name")" ]; then
      log "$name.conf changed: restarting $name"
      stop_server "$name"
    fi
    mkdir -p "$OS_DIR/$name"
    (umask 077 && "render_${name}_conf" >"$OS_DIR/$name/$name.conf")
  done
}

init_signature() {
  printf '%s\n' "v$INIT_VERSION" "$OS_DIR" "${KS_PORTS[@]}" "$ADMIN_PASSWORD" | sha256sum | cut -c1-16
}

initialised() {
  [ -f "$OS_DIR/.initialized" ] && [ "$(cat "$OS_DIR/.initialized")" = "$(init_signature)" ] &&
    [ -s "$OS_DIR/keystone.db" ] && [ -s "$OS_DIR/placement.db" ]
}

run_setup() { # description command... (output to setup.log)
  local desc=$1
  shift
  printf '\n==== %s %s: %s\n' "$(date -Is)" "$desc" "$*" >>"$OS_DIR/setup.log"
  "$@" >>"$OS_DIR/setup.log" 2>&1
}

init_cloud() {
  log "initialising Keystone and Placement databases in $OS_DIR"
  rm -rf "$OS_DIR/fernet-keys" "$OS_DIR/credential-keys" "$OS_DIR"/keystone.db* \
    "$OS_DIR"/placement.db* "$OS_DIR/fixtures.json" "$OS_DIR/openrc" "$OS_DIR/clouds.yaml" \
    "$OS_DIR/.initialized" "$OS_DIR/setup.log"
  mkdir -p "$OS_DIR/fernet-keys" "$OS_DIR/credential-keys"
  chmod 700 "$OS_DIR/fernet-keys" "$OS_DIR/credential-keys"
  local kc=(--config-file "$OS_DIR/keystone/keystone.conf")
  local owner=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
  # Independent steps in parallel (2 cores: ~halves the wall time).
  local jobs=() names=() i rc=0
  run_setup "keystone db_sync" keystone-manage "${kc[@]}" db_sync & jobs+=($!); names+=("keystone-manage db_sync")
  run_setup "placement db sync" placement-manage --config-file "$OS_DIR/placement/placement.conf" db sync &
  jobs+=($!); names+=("placement-manage db sync")
  (run_setup "fernet_setup" keystone-manage "${kc[@]}" fernet_setup "${owner[@]}" &&
    run_setup "credential_setup" keystone-manage "${kc[@]}" credential_setup "${owner[@]}") &
  jobs+=($!); names+=("keystone-manage fernet_setup/credential_setup")
  for i in "${!jobs[@]}"; do
    wait "${jobs[$i]}" || { log "${names[$i]} failed"; rc=1; }
  done
  [ $rc = 0 ] || { tail_log "$OS_DIR/setup.log"; die "initialisation failed"; }
  # WAL: otherwise the first write after a password auth can fail with "database is locked".
  run_setup "sqlite WAL" "$PY" -c 'import sqlite3, sys
for p in sys.argv[1:]:
    c = sqlite3.connect(p); print(p, c.execute("pragma journal_mode=wal").fetchone()[0]); c.close()' \
    "$OS_DIR/keystone.db" "$OS_DIR/placement.db" || { tail_log "$OS_DIR/setup.log"; die "sqlite WAL failed"; }
  run_setup "keystone bootstrap" keystone-manage "${kc[@]}" bootstrap \
    --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-public-url "http://127.0.0.1:$KS_PORT/v3" \
    --bootstrap-internal-url "http://127.0.0.1:$KS_INTERNAL_PORT/v3" \
    --bootstrap-admin-url "http://127.0.0.1:$KS_ADMIN_PORT/v3" ||
    { tail_log "$OS_DIR/setup.log"; die "keystone-manage bootstrap failed"; }
  # the bootstrap log line holds the password: keep it out of the log
  sed -i "s/$(printf '%s' "$ADMIN_PASSWORD" | sed 's/[][\/.^$*]/\\&/g')/***/g" "$OS_DIR/setup.log"
  init_signature >"$OS_DIR/.initialized"
  log "databases initialised ($(elapsed))"
}

export_fixture_env() {
  export OSAUTH_OS_DIR=$OS_DIR OSAUTH_OS_KS_PORTS="${KS_PORTS[*]}" OSAUTH_OS_PL_PORTS="${PL_PORTS[*]}"
  export OSAUTH_ADMIN_PASSWORD=$ADMIN_PASSWORD OSAUTH_DEMO_PASSWORD=$DEMO_PASSWORD
  export OSAUTH_PLACEMENT_PASSWORD=$PLACEMENT_PASSWORD OSAUTH_OS_START_TIMEOUT=$START_TIMEOUT
  export OSAUTH_OS_PORT_BASE=$BASE OSAUTH_OS_SERVICES="${SERVICES[*]}"
  # raw pid files: a just-forked server may not have exec'ed yet (cmdline still bash's)
  local name
  OSAUTH_OS_PIDS=
  for name in keystone placement "${SERVICES[@]}"; do
    OSAUTH_OS_PIDS+="$name:$(tr -dc 0-9 <"$OS_DIR/$name.pid") "
  done
  export OSAUTH_OS_PIDS
}

# The other services: paste files, configs and databases (os_services.py prepare, which prints
# the services whose config changed: those still running from before are stopped here).
prepare_services() {
  [ "${#SERVICES[@]}" -gt 0 ] || return 0
  local changed name
  changed=$(OSAUTH_OS_SERVICES="${SERVICES[*]}" "$PY" "$SCRIPTS/os_services.py" prepare \
    "$OS_DIR" "$BASE" "$KS_PORT" 2>>"$OS_DIR/services-setup.log") ||
    { tail_log "$OS_DIR/services-setup.log"; die "preparing ${SERVICES[*]} failed"; }
  for name in $changed; do
    if pid_of "$name" >/dev/null || [ -n "$(orphans_of "$name")" ]; then
      log "$name config changed: restarting $name"
      stop_server "$name"
    fi
  done
}

# Every service answers at its version document (any status below 500: glance's is a 300)
# and runs with the config this run would write.
services_answer() {
  local name port code
  [ "${#SERVICES[@]}" -eq 0 ] ||
    OSAUTH_OS_SERVICES="${SERVICES[*]}" "$PY" "$SCRIPTS/os_services.py" current "$OS_DIR" \
      "$BASE" "$KS_PORT" || return 1
  for name in "${SERVICES[@]}"; do
    pid_of "$name" >/dev/null || return 1
    for port in $(ports_of "$name"); do
      code=$(http_code "http://127.0.0.1:$port/")
      [ "$code" != 000 ] && [ "$code" -lt 500 ] || return 1
    done
  done
}

# ---------------------------------------------------------------- commands
cmd_start() {
  mkdir -p "$OS_DIR"
  exec 9>"$OS_DIR/.lock"
  flock -w 300 9 || die "another openstack-dev.sh holds $OS_DIR/.lock"
  if pid_of keystone >/dev/null && pid_of placement >/dev/null && [ -s "$OS_DIR/fixtures.json" ] &&
    initialised && config_current keystone && config_current placement &&
    [ "$(http_code "http://127.0.0.1:$KS_PORT/v3")" = 200 ] &&
    [ "$(http_code "http://127.0.0.1:$PL_PORT/")" = 200 ] && services_answer &&
    [ "$(cat "$OS_DIR/.services" 2>/dev/null)" = "${SERVICES[*]}" ]; then
    log "already running: keystone http://127.0.0.1:$KS_PORT/v3, placement http://127.0.0.1:$PL_PORT"
    log "fixtures: $OS_DIR/fixtures.json"
    return 0
  fi
  local name
  # services of an earlier run that this one does not start
  for name in "${ALL_SERVICES[@]}"; do
    [[ " ${SERVICES[*]} " == *" $name "* ]] || stop_server "$name"
  done
  for name in keystone placement "${SERVICES[@]}"; do
    if ! pid_of "$name" >/dev/null && [ -z "$(orphans_of "$name")" ]; then check_ports_free "$name"; fi
  done
  ensure_packages
  write_configs
  # Keystone's initialisation and the other services' databases at the same time.
  prepare_services &
  local prepare_job=$!
  if ! initialised; then
    stop_server keystone
    stop_server placement
    init_cloud
  fi
  wait "$prepare_job" || die "preparing the services failed"
  STARTED=()
  for name in keystone placement "${SERVICES[@]}"; do start_server "$name"; done
  export_fixture_env
  # Waits for both servers, creates/updates fixtures, checks placement end to end with a token,
  # writes fixtures.json, openrc, clouds.yaml.
  if ! "$PY" "$SCRIPTS/os_fixtures.py" 2>>"$OS_DIR/setup.log"; then
    log "fixture setup failed (see $OS_DIR/setup.log)"
    tail_log "$OS_DIR/setup.log"
    for name in keystone placement "${SERVICES[@]}"; do tail_log "$OS_DIR/$name.log"; done
    for name in "${STARTED[@]}"; do stop_server "$name"; done
    exit 1
  fi
  echo "${SERVICES[*]}" >"$OS_DIR/.services"
  log "ready in $(elapsed): keystone http://127.0.0.1:$KS_PORT/v3 (pid $(pid_of keystone))," \
    "placement http://127.0.0.1:$PL_PORT (pid $(pid_of placement))${SERVICES[*]:+, ${SERVICES[*]}}"
  log "fixtures: $OS_DIR/fixtures.json  clouds: $OS_DIR/clouds.yaml  openrc: $OS_DIR/openrc"
}

cmd_stop() {
  [ -d "$OS_DIR" ] || { log "nothing to stop ($OS_DIR does not exist)"; return 0; }
  local name
  for name in "${ALL_SERVICES[@]}"; do stop_server "$name" & done
  wait
  stop_server placement
  stop_server keystone
  log "stopped"
}

cmd_status() {
  local rc=0 name pid port code url
  echo "dir: $OS_DIR"
  for name in keystone placement "${SERVICES[@]}"; do
    if pid=$(pid_of "$name"); then
      echo "$name: running, pid $pid"
    else
      echo "$name: not running"
      rc=1
    fi
    for port in $(ports_of "$name"); do
      if [ "$name" = keystone ]; then url="http://127.0.0.1:$port/v3"; else url="http://127.0.0.1:$port/"; fi
      code=$(http_code "$url")
      echo "  $url -> HTTP $code"
      case $name in
      keystone | placement) [ "$code" = 200 ] || rc=1 ;;
      *) [ "$code" != 000 ] && [ "$code" -lt 500 ] || rc=1 ;;
      esac
    done
    for pid in $(orphans_of "$name"); do echo "  orphan $name server without pid file: pid $pid"; done
  done
  if [ -s "$OS_DIR/fixtures.json" ]; then echo "fixtures: $OS_DIR/fixtures.json"; else echo "fixtures: none"; fi
  [ -s "$OS_DIR/clouds.yaml" ] && echo "clouds: $OS_DIR/clouds.yaml (osauth-admin osauth-demo osauth-appcred osauth-system)"
  [ -s "$OS_DIR/openrc" ] && echo "openrc: $OS_DIR/openrc"
  return $rc
}

cmd_restart() { # name
  local name=${1:-} url i
  case $name in
  keystone) url="http://127.0.0.1:$KS_PORT/v3" ;;
  placement) url="http://127.0.0.1:$PL_PORT/" ;;
  *) die "usage: $0 restart keystone|placement" ;;
  esac
  mkdir -p "$OS_DIR"
  exec 9>"$OS_DIR/.lock"
  flock -w 300 9 || die "another openstack-dev.sh holds $OS_DIR/.lock"
  initialised && [ -s "$OS_DIR/fixtures.json" ] || die "the cloud in $OS_DIR is not set up: run start first"
  write_configs
  stop_server "$name"
  STARTED=()
  start_server "$name"
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    [ "$(http_code "$url")" = 200 ] && { log "$name restarted in $(elapsed) (pid $(pid_of "$name"))"; return 0; }
    sleep 0.1
  done
  tail_log "$OS_DIR/$name.log"
  die "$name did not answer at $url within ${START_TIMEOUT}s after the restart"
}

cmd_reset() {
  cmd_stop
  case $OS_DIR in / | "$HOME" | "$REPO") die "refusing to delete $OS_DIR" ;; esac
  rm -rf "$OS_DIR"
  log "removed $OS_DIR"
}

cmd_env() {
  cat <<EOF
OSAUTH_OS_DIR=$OS_DIR
OSAUTH_KEYSTONE_PORT=$KS_PORT
OSAUTH_KEYSTONE_INTERNAL_PORT=$KS_INTERNAL_PORT
OSAUTH_KEYSTONE_ADMIN_PORT=$KS_ADMIN_PORT
OSAUTH_PLACEMENT_PORT=$PL_PORT
OSAUTH_PLACEMENT_INTERNAL_PORT=$PL_INTERNAL_PORT
OSAUTH_PLACEMENT_ADMIN_PORT=$PL_ADMIN_PORT
OSAUTH_PLACEMENT_REGION2_PORT=$PL_REGION2_PORT
OSAUTH_OS_CORS_ORIGIN=$CORS_ORIGIN
OSAUTH_OS_SERVICES="${SERVICES[*]}"
EOF
  local name a b c
  for name in "${SERVICES[@]}"; do
    read -r a b c <<<"${SVC_PORTS[$name]}"
    echo "# $name: public $a internal $b admin $c"
  done
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
restart) cmd_restart "${2:-}" ;;
reset) cmd_reset ;;
env) cmd_env ;;
*)
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
