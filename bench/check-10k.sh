#!/usr/bin/env bash
# Times `lacakd --check` for N shipments (default 10,000) against courier-sim on loopback,
# beside bare `curl --parallel` fetching the same URLs from the same simulator.
# Usage: bench/check-10k.sh [N]      (run from the repository root; builds in release mode)
set -euo pipefail
N=${1:-${LACAK_BENCH_SHIPMENTS:-10000}}
PARALLEL=${LACAK_BENCH_PARALLEL:-64}
swift build -c release --product lacakd >/dev/null
swift build -c release --product courier-sim >/dev/null
BIN=.build/release
WORK=$(mktemp -d /tmp/lacak-bench.XXXXXX)
trap 'kill $SIM 2>/dev/null || true; rm -rf "$WORK"' EXIT

$BIN/courier-sim --port 0 --speed 60 --api-key bench-key > "$WORK/sim.log" 2>&1 & SIM=$!
for _ in $(seq 100); do grep -q listening "$WORK/sim.log" && break; sleep 0.1; done
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/sim.log")

mkdir -p "$WORK/spool/incoming"
seq 1 "$N" | awk '{printf "{\"order_id\": \"B-%06d\", \"tracking_number\": \"JX9%09d\", \"courier\": \"jne\"}\n", $1, $1}' > "$WORK/spool/incoming/orders.jsonl"
sed -e "s#127.0.0.1:18231#127.0.0.1:$PORT#; s#\"../.demo/spool\"#\"$WORK/spool\"#; s#\"../.demo/state\"#\"$WORK/state\"#" \
    -e "s#^rate_limit = 50#rate_limit = 0#; s#^max_in_flight = 8#max_in_flight = $PARALLEL#" config/demo.toml > "$WORK/lacak.toml"
export LACAK_DEMO_API_KEY=bench-key

seconds() { local start=$(date +%s.%N); "$@" > "$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; exit 1; }; awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
first=$(seconds $BIN/lacakd --check --config "$WORK/lacak.toml")
repeat=$(seconds $BIN/lacakd --check --all --config "$WORK/lacak.toml")
seq 1 "$N" | awk -v p="$PORT" '{printf "url = \"http://127.0.0.1:%s/v1/track?api_key=bench-key&courier=jne&awb=JX9%09d\"\noutput = \"/dev/null\"\n", p, $1}' > "$WORK/urls.txt"
curl_time=$(seconds curl -s --parallel --parallel-max "$PARALLEL" -K "$WORK/urls.txt")
files=$(ls "$WORK/spool/notifications/new" | wc -l)

printf '%-58s %9s\n' "run ($N shipments, $PARALLEL in flight, $(nproc) cores)" "seconds"
printf '%-58s %9.2f\n' "lacakd --check, first round (ingest, poll, $files notifications)" "$first"
printf '%-58s %9.2f\n' "lacakd --check --all, repeat round" "$repeat"
printf '%-58s %9.2f\n' "curl --parallel, same URLs, same simulator (reference)" "$curl_time"
printf '%-58s %9.2f\n' "ratio repeat round / curl" "$(awk -v a="$repeat" -v b="$curl_time" 'BEGIN { print a / b }')"
