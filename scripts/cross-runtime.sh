#!/usr/bin/env bash
# Cross-runtime tests. Two ways osauth reaches users, both run here:
#
# - the TypeScript sources (what Deno gets from JSR; Bun and Node 22/24 strip
#   the types): tests/smoke/smoke.ts unmodified on deno, bun, node22, node24;
# - the package as JSR's npm layer serves it to `npx jsr add @x/osauth`,
#   `bunx jsr add`, `pnpm dlx jsr add`, `yarn dlx jsr add` (scripts/build-npm.mjs:
#   per-file .js + .d.ts, installed from its tarball into build/consumer with
#   js-yaml): the smoke test transpiled to plain JavaScript on Node 20, 22, 24
#   and Bun (built:node20 ... built:bun), and README's `bun test` and
#   `node --test` examples (readme:bun, readme:node20/22/24).
#
# It also type-checks the built .d.ts as a Node TypeScript project would
# (lib es2023, @types/node, skipLibCheck false) and prints the error count
# (not a gate yet). tests/runtimes/ (workerd, Chromium, Firefox) use the same
# build: run them after this script.
#
# Everything comes from npm into ${OSAUTH_TOOLS:-.tools}, one prefix each:
#   <tools>/bun       bun@1             <tools>/node20  node@20
#   <tools>/node22    node@22           <tools>/node24  node@24
#   <tools>/jsbuild   typescript, esbuild, workerd, @types/node (pinned below)
# (the `node` package of each major installs its own binary as .bin/node, so
# the majors need separate prefixes). Deno is the one .ci/run installs
# (<tools>/node_modules/.bin/deno), else `deno` on PATH, else deno@2.9.x from npm.
#
# Usage: bash scripts/cross-runtime.sh [TARGET ...]
#   targets: deno bun node22 node24 built:node20 built:node22 built:node24 built:bun
#            readme:bun readme:node20 readme:node22 readme:node24 (default: all)
# Prints one line per target and a closing `cross-runtime: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
TOOLS="${OSAUTH_TOOLS:-$PWD/.tools}"
mkdir -p "$TOOLS"
TOOLS="$(cd "$TOOLS" && pwd)"
SMOKE=tests/smoke/smoke.ts
BUILD="$REPO/build"
PER_RUN_TIMEOUT="${OSAUTH_SMOKE_TIMEOUT:-120}"
JSBUILD_PACKAGES=(typescript@5.9.3 esbuild@0.28.2 workerd@1.20261117.1 @types/node@24)

# npm_install <prefix dir> <binary> <package spec...>: installs once, prints the binary path.
npm_install() {
  local dir="$TOOLS/$1" bin="$2"
  shift 2
  # Installed again when the pinned list changed (<dir>/.osauth-packages says what is there).
  if [ ! -x "$dir/node_modules/.bin/$bin" ] ||
    { [ -f "$dir/.osauth-packages" ] && [ "$(cat "$dir/.osauth-packages")" != "$*" ]; }; then
    mkdir -p "$dir"
    # Its own package.json, or npm walks up to <tools>/package.json (written by the
    # deno install) and installs every runtime into that one node_modules.
    [ -f "$dir/package.json" ] || echo '{}' >"$dir/package.json"
    echo "installing $* into $dir" >&2
    npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --loglevel=error "$@" >&2
    echo "$*" >"$dir/.osauth-packages"
  fi
  echo "$dir/node_modules/.bin/$bin"
}

deno_bin() {
  if [ -x "$TOOLS/node_modules/.bin/deno" ]; then
    echo "$TOOLS/node_modules/.bin/deno"
  elif command -v deno >/dev/null 2>&1; then
    command -v deno
  else
    npm_install deno-npm deno deno@2.9.x
  fi
}

node_bin() { npm_install "node$1" node "node@$1"; } # node_bin <major>
bun_bin() { npm_install bun bun bun@1; }

# Node 22 before 22.18 strips types only with a flag.
strip_flags() { # strip_flags <node binary>
  local minor
  minor="$("$1" --version | cut -d. -f2)"
  if [ "$("$1" --version | cut -d. -f1)" = v22 ] && [ "$minor" -lt 18 ]; then
    echo "--experimental-strip-types --disable-warning=ExperimentalWarning"
  fi
}

build() {
  [ -z "${BUILT:-}" ] || return 0
  local node
  node="$(node_bin 24)"
  npm_install jsbuild tsc "${JSBUILD_PACKAGES[@]}" >/dev/null
  echo "--- build: $node scripts/build-npm.mjs"
  OSAUTH_TYPESCRIPT="$TOOLS/jsbuild" PATH="$(dirname "$node"):$PATH" \
    "$node" scripts/build-npm.mjs --out "$BUILD"
  BUILT=1
}

# README's example after `<!-- example: NAME -->` (its next fenced block), into FILE.
readme_example() { # readme_example <name> <file>
  awk -v marker="<!-- example: $1 -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' README.md >"$2"
  [ -s "$2" ] || { echo "README.md has no example '$1'" >&2; return 1; }
}

# The command (run in its directory) for a target.
runner() {
  case "$1" in
    deno) echo "$REPO $(deno_bin) run --allow-net=127.0.0.1 $SMOKE" ;;
    bun) echo "$REPO $(bun_bin) $SMOKE" ;;
    node22 | node24)
      local node
      node="$(node_bin "${1#node}")"
      echo "$REPO $node $(strip_flags "$node") $SMOKE"
      ;;
    built:node20 | built:node22 | built:node24)
      build >&2
      echo "$BUILD/consumer $(node_bin "${1#built:node}") smoke.js"
      ;;
    built:bun)
      build >&2
      echo "$BUILD/consumer $(bun_bin) smoke.js"
      ;;
    readme:bun)
      build >&2
      readme_example bun-test "$BUILD/consumer/readme_example.test.ts"
      echo "$BUILD/consumer $(bun_bin) test ./readme_example.test.ts"
      ;;
    readme:node20 | readme:node22 | readme:node24)
      build >&2
      readme_example node-test "$BUILD/consumer/readme_example.test.mjs"
      echo "$BUILD/consumer $(node_bin "${1#readme:node}") --test readme_example.test.mjs"
      ;;
    *)
      echo "unknown target: $1 (deno bun node22 node24 built:node20 built:node22" \
        "built:node24 built:bun readme:bun readme:node20 readme:node22 readme:node24)" >&2
      return 1
      ;;
  esac
}

# "<passed> <failed>" from a run's output: the smoke test's "N passed, N failed",
# node --test's "# pass N" ("ℹ pass N" from Node 24), bun test's " N pass / N fail".
counts_of() {
  local out="$1" p f
  p="$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' |
    sed -nE 's/.*[^0-9]([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' | tail -1)"
  if [ -n "$p" ]; then echo "$p" && return; fi
  p="$(echo "$out" | sed -nE 's/^(# |ℹ )pass ([0-9]+)$/\2/p' | tail -1)"
  f="$(echo "$out" | sed -nE 's/^(# |ℹ )fail ([0-9]+)$/\2/p' | tail -1)"
  if [ -n "$p" ]; then echo "$p ${f:-0}" && return; fi
  p="$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | sed -nE 's/^ *([0-9]+) pass$/\1/p' | tail -1)"
  f="$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | sed -nE 's/^ *([0-9]+) fail$/\1/p' | tail -1)"
  echo "${p:-0} ${f:-0}"
}

# The built .d.ts in a Node TypeScript project: lib es2023, @types/node, skipLibCheck false.
dts_check() {
  build
  local dir="$BUILD/consumer" tsc out n
  tsc="$TOOLS/jsbuild/node_modules/.bin/tsc"
  cat >"$dir/dts_check.ts" <<'EOF'
import { Adapter, Session, v3 } from "@x/osauth";
import { loadCloudConfig } from "@x/osauth/clouds";
import { FakeCloud } from "@x/osauth/testing";
const sess: Session = new Session({ auth: new v3.Password({ authUrl: "http://127.0.0.1/v3" }) });
export const uses = [sess, Adapter, loadCloudConfig, FakeCloud];
EOF
  cat >"$dir/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "lib": ["es2023"], "types": ["node"], "typeRoots": ["$TOOLS/jsbuild/node_modules/@types"],
    "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
    "strict": true, "noEmit": true, "skipLibCheck": false
  },
  "files": ["dts_check.ts"]
}
EOF
  set +e
  out="$(cd "$dir" && PATH="$(dirname "$(node_bin 24)"):$PATH" "$tsc" -p tsconfig.json 2>&1)"
  set -e
  n="$(echo "$out" | grep -c 'error TS' || true)"
  echo "$out" | grep 'error TS' | sed 's/^/  /' | head -20
  echo "d.ts check (Node TypeScript project: lib es2023, @types/node, skipLibCheck false):" \
    "$n errors (reported, not a gate yet)"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(deno bun node22 node24 built:node20 built:node22 built:node24 built:bun
    readme:bun readme:node20 readme:node22 readme:node24)

# Built once, before the runs (runner runs in a subshell).
if [[ " ${targets[*]} " == *" built:"* || " ${targets[*]} " == *" readme:"* ]]; then build; fi

declare -a summary=()
status=0
passed=0
failed=0
for target in "${targets[@]}"; do
  started=$(date +%s%3N)
  line="$(runner "$target")"
  dir="${line%% *}"
  cmd="${line#* }"
  echo "--- $target: (cd ${dir#"$REPO"/}) $cmd"
  set +e
  # shellcheck disable=SC2086 # the command line is split on purpose
  out="$(cd "$dir" && timeout "$PER_RUN_TIMEOUT" $cmd 2>&1)"
  rc=$?
  set -e
  echo "$out"
  read -r p f < <(counts_of "$out")
  ms=$(($(date +%s%3N) - started))
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
    status=1
    [ "$f" -gt 0 ] || failed=$((failed + 1))
    why="exit code $rc"
    [ "$rc" -eq 124 ] && why="timed out after ${PER_RUN_TIMEOUT}s"
    summary+=("FAIL $target: $p passed, $f failed ($why, ${ms} ms)")
  else
    summary+=("ok   $target: $p passed, $f failed (${ms} ms)")
  fi
done

if [ "${OSAUTH_SKIP_DTS_CHECK:-}" != 1 ] && [[ " ${targets[*]} " == *" built:"* ]]; then
  dts_check
fi

echo
echo "cross-runtime summary:"
printf '  %s\n' "${summary[@]}"
echo "cross-runtime: $passed passed, $failed failed"
exit "$status"
