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
# - the package's .d.ts type-checked by TypeScript consumers (skipLibCheck
#   false, 0 errors or the target fails): a Node project (lib es2023 and
#   @types/node: types:node) and a browser one (lib es2023 + dom: types:dom).
#
# tests/runtimes/ (workerd, Chromium, Firefox) use the same build: run them
# after this script.
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
#            readme:bun readme:node20 readme:node22 readme:node24 types:node types:dom
#            (default: all)
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
    types:node | types:dom)
      build >&2
      npm_install jsbuild tsc "${JSBUILD_PACKAGES[@]}" >/dev/null
      types_run "${1#types:}"
      ;;
    *)
      echo "unknown target: $1 (deno bun node22 node24 built:node20 built:node22" \
        "built:node24 built:bun readme:bun readme:node20 readme:node22 readme:node24" \
        "types:node types:dom)" >&2
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

# The built .d.ts type-checked by TypeScript consumers: tests/smoke/consumer_types.ts
# (its imports rewritten to the package's names), what the lib says fetch takes
# put into HeadersLike/BodyLike, and README's first example as it is, one
# project per kind, skipLibCheck false:
#   types:node  lib es2023 + @types/node (a Node or Bun project)
#   types:dom   lib es2023 + dom, no @types/node (a browser project)
# 0 errors passes (`N passed, N failed` like the runs; the errors are printed).
types_run() { # types_run node|dom: prints the tsc command line (run in build/consumer)
  local kind="$1" dir="$BUILD/consumer" lib types extra
  case "$kind" in
    node)
      lib='["es2023"]'
      types='["node"], "typeRoots": ["'"$TOOLS"'/jsbuild/node_modules/@types"]'
      # Node's fetch (undici): its HeadersInit minus string[] record values, its
      # BodyInit minus the iterables of chunks browsers do not take; Buffer.
      extra='export const headers: HeadersLike[] = [new Headers(), [["a", "b"]], { a: "b" }];
export const bodies: BodyLike[] = [Buffer.from("x"), new Blob([]), new FormData(),
  new URLSearchParams(), new ReadableStream(), new Uint8Array(1), new ArrayBuffer(1), "", null];'
      ;;
    dom)
      lib='["es2023", "dom"]'
      types='[]'
      extra='export const headers: HeadersLike = {} as HeadersInit;
export const bodies: BodyLike = {} as BodyInit | null;'
      ;;
  esac
  sed -e 's#"\.\./\.\./mod\.ts"#"@x/osauth"#' \
    -e 's#"\.\./\.\./src/\(clouds\|discovery\|stores\|testing\)/mod\.ts"#"@x/osauth/\1"#' \
    tests/smoke/consumer_types.ts >"$dir/types_$kind.ts"
  if grep -qE "from \"\.\.?/" "$dir/types_$kind.ts"; then
    echo "tests/smoke/consumer_types.ts imports what is not an entry point of the package" >&2
    return 1
  fi
  printf 'import type { BodyLike, HeadersLike } from "@x/osauth";\n%s\n' "$extra" \
    >"$dir/types_${kind}_lib.ts"
  # README's first example (it runs unchanged on every runtime), as users paste it.
  awk '/^## Using sessions/ { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' README.md >"$dir/types_${kind}_readme.ts"
  [ -s "$dir/types_${kind}_readme.ts" ] || { echo "README.md: no first example" >&2; return 1; }
  echo 'export {};' >>"$dir/types_${kind}_readme.ts"
  printf '%s\n' '{' '  "compilerOptions": {' \
    "    \"lib\": $lib, \"types\": $types," \
    '    "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",' \
    '    "strict": true, "noEmit": true, "skipLibCheck": false' \
    '  },' \
    "  \"files\": [\"types_$kind.ts\", \"types_${kind}_lib.ts\", \"types_${kind}_readme.ts\"]" '}' \
    >"$dir/tsconfig.$kind.json"
  echo "$dir $(node_bin 24) $TOOLS/jsbuild/node_modules/typescript/bin/tsc -p tsconfig.$kind.json"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(deno bun node22 node24 built:node20 built:node22 built:node24 built:bun
    readme:bun readme:node20 readme:node22 readme:node24 types:node types:dom)

# Built once, before the runs (runner runs in a subshell).
if [[ " ${targets[*]} " == *" built:"* || " ${targets[*]} " == *" readme:"* ||
  " ${targets[*]} " == *" types:"* ]]; then build; fi

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
  if [[ "$target" == types:* ]]; then
    # tsc prints only its errors: none (and exit 0) is one pass.
    f="$(echo "$out" | grep -c 'error TS' || true)"
    p=0
    [ "$rc" -ne 0 ] || [ "$f" -ne 0 ] || p=1
    echo "tsc: $f errors (lib and types: build/consumer/tsconfig.${target#types:}.json)"
  else
    read -r p f < <(counts_of "$out")
  fi
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

echo
echo "cross-runtime summary:"
printf '  %s\n' "${summary[@]}"
echo "cross-runtime: $passed passed, $failed failed"
exit "$status"
