#!/usr/bin/env bash
# serve_load.py through HAProxy in front of REPLICAS Streamlit processes (deploy/serve.sh), the
# processes' CPU and memory watched together and one by one:
#
#   bash benchmarks/replicas.sh 2 --only class              # the class, a move a second each
#   bash benchmarks/replicas.sh 2 --only class --period 0   # no pause between moves: capacity
#
# Against one process: python benchmarks/serve_load.py --only class [--period 0].
set -euo pipefail
cd "$(dirname "$0")/.."
replicas="${1:?usage: benchmarks/replicas.sh REPLICAS [serve_load.py options]}"
shift
port="${RNNVIZ_BENCH_PORT:-8610}"
run_dir="$(mktemp -d /tmp/rnnviz-replicas.XXXXXX)"
RNNVIZ_RUN_DIR="$run_dir" bash deploy/serve.sh "$replicas" "$port" >"$run_dir/serve.log" 2>&1 &
serve=$!
trap 'kill -TERM $serve 2>/dev/null || true; wait $serve 2>/dev/null || true; rm -rf "$run_dir"' EXIT
until python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
  "http://127.0.0.1:$port/_stcore/health" 2>/dev/null; do
  kill -0 "$serve" 2>/dev/null || { cat "$run_dir/serve.log" >&2; exit 1; }
  sleep 1
done
# shellcheck disable=SC2046  # one pid per word
python benchmarks/serve_load.py --url "http://127.0.0.1:$port" --pids $(awk '{print $3}' "$run_dir/replicas") "$@"
