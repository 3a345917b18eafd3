#!/usr/bin/env bash
# kigen serve under load on loopback (wrk from Debian): single-record
# evaluation of the national pack with keep-alive, a fixed duration and
# connection count; requests/s and p50/p99 latency; then the server's own
# count of answered eval requests against wrk's (nothing lost).
#   bench/serve.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:-build} secs=${2:-10} conns=${3:-16}
command -v wrk >/dev/null || { echo "bench/serve.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
t=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$t"' EXIT
cat >"$t/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"birth_date":"2004-04-02","application_date":"2022-03-15","card_issue_date":"2022-04-01"}'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d responses, %d non-2xx, errors connect %d read %d write %d timeout %d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency p50 %.3f ms, p99 %.3f ms\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
LUA
"$build/kigen" serve --rules jp/mynumber --listen 127.0.0.1:0 --port-file "$t/port" --quiet 2>"$t/log" &
pid=$!
for _ in $(seq 50); do [ -s "$t/port" ] && break; sleep 0.1; done
port=$(cat "$t/port")
# the answer first: SPEC R1-R2 (receipt before 2022-04-01: line 20, the 5th birthday)
curl -fsS -XPOST "http://127.0.0.1:$port/v1/eval/jp-mynumber?outputs=card_expiry" \
  -d '{"birth_date":"2004-04-02","application_date":"2022-03-15","card_issue_date":"2022-04-01"}' |
  grep -q '"card_expiry":"2026-04-02"' || { echo "bench/serve.sh: wrong answer" >&2; exit 1; }
echo "== $secs s, $conns connections, 2 wrk threads, server --threads = processors ($(nproc)), all 21 outputs"
wrk -t2 -c"$conns" -d"${secs}s" -s "$t/post.lua" "http://127.0.0.1:$port/v1/eval/jp-mynumber" | tail -n 6
answered=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk -F' ' '/^kigen_requests_total\{endpoint="eval"\}/ {print $2}')
errors=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk -F' ' '/^kigen_request_errors_total\{endpoint="eval"\}/ {print $2}')
echo "server: $answered eval requests answered (the check request included), $errors errors"
echo "(wrk counts the responses it read before its time was up; requests still in flight then are answered too)"
