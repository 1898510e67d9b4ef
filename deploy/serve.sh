#!/usr/bin/env bash
# Serve the lab from REPLICAS Streamlit processes behind HAProxy, in the foreground:
#
#   bash deploy/serve.sh REPLICAS PORT
#
# One Streamlit process runs its sessions under one interpreter lock, so it uses about one core;
# replicas use the others. They listen on 127.0.0.1:PORT+1 ... PORT+REPLICAS; HAProxy listens on
# ${RNNVIZ_HOST:-127.0.0.1}:PORT (RNNVIZ_HOST=0.0.0.0 in a container), configured by
# deploy/haproxy.cfg. Ctrl-C or SIGTERM stops them all. A replica that dies is taken out of rotation
# by HAProxy's health checks; the script exits when HAProxy or the last replica does.
#
# RNNVIZ_RUN_DIR (default: a temporary directory, removed at the end) receives haproxy.cfg, HAProxy's
# stats socket haproxy.sock (`echo "show stat" | socat - UNIX:haproxy.sock`), and `replicas`: one
# line per replica, "name port pid". PYTHON (default python3) runs Streamlit.
set -euo pipefail

replicas="${1:?usage: deploy/serve.sh REPLICAS PORT}"
port="${2:?usage: deploy/serve.sh REPLICAS PORT}"
[[ "$replicas" =~ ^[1-9][0-9]*$ && "$port" =~ ^[1-9][0-9]*$ ]] || { echo "REPLICAS and PORT are numbers" >&2; exit 2; }
cd "$(dirname "$0")/.."  # the repository's root: app.py and .streamlit/config.toml
python="${PYTHON:-python3}"
haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"  # Debian puts it in /usr/sbin
export RNNVIZ_BIND="${RNNVIZ_HOST:-127.0.0.1}:$port"  # read by haproxy.cfg
if [[ -z "${RNNVIZ_RUN_DIR:-}" ]]; then
  RNNVIZ_RUN_DIR="$(mktemp -d /tmp/rnnviz-serve.XXXXXX)"
  own_run_dir=1
fi
export RNNVIZ_RUN_DIR
mkdir -p "$RNNVIZ_RUN_DIR"

pids=()  # every process started here that is still running: the replicas, then HAProxy
forget() {  # take a pid that has exited out of `pids`
  local kept=() pid
  for pid in "${pids[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}
stop() {  # TERM to every process; KILL after 10 s to one that is still running (stuck in a computation)
  trap - INT TERM EXIT
  local timer finished
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 10 &
    timer=$!
    while ((${#pids[@]})); do
      finished=""
      wait -n -p finished "${pids[@]}" "$timer" || true
      if [[ "$finished" == "$timer" ]]; then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
      forget "$finished"
    done
    kill "$timer" 2>/dev/null || true
  fi
  if [[ -n "${own_run_dir:-}" ]]; then rm -rf "$RNNVIZ_RUN_DIR"; fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

healthy() {  # true once http://127.0.0.1:$1/_stcore/health answers 200
  "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$1/_stcore/health" 2>/dev/null
}

# A port already taken would make its replica exit, while the health check below got its answer from
# whatever holds the port: refuse to start instead.
"$python" -c 'import socket, sys
for port in sys.argv[1:]:
    socket.create_server(("127.0.0.1", int(port))).close()' $(seq "$port" $((port + replicas))) 2>/dev/null ||
  { echo "ports $port to $((port + replicas)) must be free" >&2; exit 1; }

config="$RNNVIZ_RUN_DIR/haproxy.cfg"
cp deploy/haproxy.cfg "$config"
: >"$RNNVIZ_RUN_DIR/replicas"
for ((i = 1; i <= replicas; i++)); do
  name="r$i" internal=$((port + i))
  # Each replica's log lines carry its name. $! is the replica's pid, not sed's; sed ignores Ctrl-C
  # and lasts until its replica closes the pipe (a replica printing "Stopping..." into a dead pipe
  # would not stop).
  "$python" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
    --server.port "$internal" > >(trap "" INT TERM; exec sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
  echo "$name $internal $!" >>"$RNNVIZ_RUN_DIR/replicas"
  echo "    server $name 127.0.0.1:$internal cookie $name" >>"$config"
done

# HAProxy starts once every replica answers, so that the first sessions are spread over all of them.
deadline=$((SECONDS + ${RNNVIZ_START_TIMEOUT:-120}))
for ((i = 1; i <= replicas; i++)); do
  until healthy $((port + i)); do
    kill -0 "${pids[i - 1]}" 2>/dev/null || { echo "replica r$i exited before it was healthy" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "replica r$i not healthy after ${RNNVIZ_START_TIMEOUT:-120} s" >&2; exit 1; }
    sleep 0.5
  done
done
"$haproxy" -db -f "$config" &
haproxy_pid=$!
pids+=("$haproxy_pid")
echo "serving the lab on http://$RNNVIZ_BIND from $replicas replicas (run directory $RNNVIZ_RUN_DIR)"

while true; do
  finished=""
  wait -n -p finished "${pids[@]}" || true
  [[ -n "$finished" ]] || continue
  forget "$finished"
  if [[ "$finished" == "$haproxy_pid" ]]; then
    echo "HAProxy exited" >&2
    exit 1
  fi
  # HAProxy's health checks have taken the replica out of rotation; its sessions reload on another.
  echo "a replica (pid $finished) exited; $((${#pids[@]} - 1)) left" >&2
  ((${#pids[@]} > 1)) || exit 1
done
