#!/usr/bin/env bash
# Test-only dependencies of the RedisStateStore tests (not dependencies of osauth):
#   - redis-server from Debian (apt), never started as a service: the tests run their own
#     on 127.0.0.1 with --save "" --appendonly no and stop it;
#   - the npm clients `redis` (node-redis) and `ioredis`, into <tools>/redis-clients
#     (${OSAUTH_REDIS_CLIENTS:-${OSAUTH_TOOLS:-<repo>/.tools}/redis-clients}).
# Prints the clients directory. Usage: bash scripts/redis-test-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${OSAUTH_TOOLS:-$PWD/.tools}"
DIR="${OSAUTH_REDIS_CLIENTS:-$TOOLS/redis-clients}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/redis-server ]; then
  echo "installing redis-server (apt)" >&2
  for attempt in 1 2 3 4 5 6; do
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      redis-server >&2; then
      break
    fi
    [ "$attempt" = 6 ] && { echo "apt-get install redis-server failed" >&2; exit 1; }
    [ "$attempt" = 1 ] && as_root apt-get update >&2 || true
    sleep 10 # dpkg may be locked by another apt run
  done
  # the package enables a system service; tests never use it
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    as_root systemctl stop redis-server >&2 || true
  fi
fi

if [ ! -f "$DIR/node_modules/redis/package.json" ] || [ ! -f "$DIR/node_modules/ioredis/package.json" ]; then
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"private": true}' >"$DIR/package.json"
  echo "installing the npm clients redis@6 and ioredis@6 into $DIR" >&2
  npm install --prefix "$DIR" --no-package-lock --no-audit --no-fund --loglevel=error \
    redis@6 ioredis@6 >&2
fi
echo "$DIR"
