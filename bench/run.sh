#!/usr/bin/env bash
# npm run bench: run the benchmarks inside a network namespace that has only loopback, when
# this machine allows it (root with unshare), so no benchmarked program can reach any other
# host; otherwise run them directly (they only ever address 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up && BENCH_NETNS=1 exec npx tsx bench/run.ts'
fi
echo "unshare -n is not available: running without network isolation (loopback only by construction)" >&2
exec npx tsx bench/run.ts
