#!/usr/bin/env bash
# Cross-runtime smoke tests: runs tests/smoke/smoke.ts unmodified on Deno 2,
# Bun 1.x, Node 22 and Node 24 (Node strips the TypeScript types itself).
#
# The runtimes come from npm into ${OSAUTH_TOOLS:-.tools}, one prefix each:
#   <tools>/bun     npm package bun@1     -> node_modules/.bin/bun
#   <tools>/node22  npm package node@22   -> node_modules/.bin/node
#   <tools>/node24  npm package node@24   -> node_modules/.bin/node
# (the `node` package of each major installs its own binary as .bin/node, so
# the two majors need separate prefixes). Deno is the one .ci/run installs
# (<tools>/node_modules/.bin/deno), else `deno` on PATH, else deno@2.9.x from npm.
#
# Usage: bash scripts/cross-runtime.sh [deno|bun|node22|node24 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${OSAUTH_TOOLS:-$PWD/.tools}"
mkdir -p "$TOOLS"
TOOLS="$(cd "$TOOLS" && pwd)"
SMOKE=tests/smoke/smoke.ts
PER_RUN_TIMEOUT="${OSAUTH_SMOKE_TIMEOUT:-120}"

# npm_install <prefix dir> <package spec> <binary>: installs once, prints the binary path.
npm_install() {
  local dir="$TOOLS/$1" spec="$2" bin="$3"
  if [ ! -x "$dir/node_modules/.bin/$bin" ]; then
    mkdir -p "$dir"
    # Its own package.json, or npm walks up to <tools>/package.json (written by the
    # deno install) and installs every runtime into that one node_modules.
    [ -f "$dir/package.json" ] || echo '{}' >"$dir/package.json"
    echo "installing $spec into $dir" >&2
    npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --loglevel=error \
      "$spec" >&2
  fi
  echo "$dir/node_modules/.bin/$bin"
}

deno_bin() {
  if [ -x "$TOOLS/node_modules/.bin/deno" ]; then
    echo "$TOOLS/node_modules/.bin/deno"
  elif command -v deno >/dev/null 2>&1; then
    command -v deno
  else
    npm_install deno-npm deno@2.9.x deno
  fi
}

# The command that runs the smoke file on a runtime.
runner() {
  case "$1" in
    deno) echo "$(deno_bin) run --allow-net=127.0.0.1 $SMOKE" ;;
    bun) echo "$(npm_install bun bun@1 bun) $SMOKE" ;;
    node22 | node24)
      local node version minor flags=""
      node="$(npm_install "$1" "node@${1#node}" node)"
      version="$("$node" --version)"
      minor="$(echo "$version" | cut -d. -f2)"
      # Type stripping is on by default from Node 22.18 and 23.6; older 22.x need the flag.
      if [ "$1" = node22 ] && [ "$minor" -lt 18 ]; then
        flags="--experimental-strip-types --disable-warning=ExperimentalWarning"
      fi
      echo "$node $flags $SMOKE"
      ;;
    *)
      echo "unknown runtime: $1 (deno, bun, node22, node24)" >&2
      return 1
      ;;
  esac
}

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(deno bun node22 node24)

declare -a summary=()
status=0
for rt in "${runtimes[@]}"; do
  cmd="$(runner "$rt")"
  echo "--- $rt: $cmd"
  set +e
  # shellcheck disable=SC2086 # the command line is split on purpose
  out="$(timeout "$PER_RUN_TIMEOUT" $cmd 2>&1)"
  rc=$?
  set -e
  echo "$out"
  line="$(echo "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1 || true)"
  if [ "$rc" -ne 0 ]; then
    status=1
    [ "$rc" -eq 124 ] && line="timed out after ${PER_RUN_TIMEOUT}s"
    summary+=("FAIL $rt: ${line:-exit code $rc}")
  else
    summary+=("ok   $rt: $line")
  fi
done

echo
echo "cross-runtime smoke summary:"
printf '  %s\n' "${summary[@]}"
exit "$status"
