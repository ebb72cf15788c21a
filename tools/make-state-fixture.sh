#!/bin/sh
# Writes a state database the way a given build of lacak leaves it, for the upgrade test
# (Tests/LacakCoreTests/UpgradeTests.swift): orders tracked through courier-sim, their events and
# status history, and notifications committed but not yet written into the spool (the daemon
# "crashed" right after committing the buyer's cancellation, at the crash point
# intake.after-commit).
#
#   tools/make-state-fixture.sh BIN_DIR OUT.sqlite
#
# BIN_DIR holds that build's lacakd and courier-sim (for example .build/debug of a checkout of
# the release). The fixture committed under Tests/Fixtures/ was made by the release before
# orders had several packages (schema v3).
set -eu
bin=$(cd "$1" && pwd); out=$2
work=$(mktemp -d); sim=""; trap 'kill ${sim:-} 2>/dev/null || true; rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/spool/incoming"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/courier-sim" --port "$port" --speed 3600 --run-for 40 --api-key fixture-key \
    --shipments "$here/config/demo-scenarios.json" > "$work/sim.log" 2>&1 & sim=$!
for i in $(seq 50); do grep -q listening "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
sed -e "s|\.\./\.demo/spool|$work/spool|; s|\.\./\.demo/state|$work/state|; s|127.0.0.1:18231|127.0.0.1:$port|" \
    "$here/config/demo.toml" > "$work/lacak.toml"
export LACAK_DEMO_API_KEY=fixture-key
cp "$here/config/demo-orders.jsonl" "$work/spool/incoming/orders.jsonl"
for round in 1 2 3; do "$bin/lacakd" --check --all --config "$work/lacak.toml" > /dev/null; sleep 1; done
echo '{"order_id": "DEMO-1005", "status": "CANCELLED"}' > "$work/spool/incoming/cancel.json"
# Committed, not published: these notifications are owed and must survive the upgrade.
LACAK_CRASH_AT=intake.after-commit "$bin/lacakd" --check --all --config "$work/lacak.toml" > /dev/null 2>&1 || [ $? = 70 ]
rm -f "$out"
python3 - "$work/state/state.sqlite" "$out" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.execute("VACUUM INTO ?", (sys.argv[2],))
out = sqlite3.connect(sys.argv[2])
out.execute("PRAGMA journal_mode=DELETE")
for table in ("orders", "events", "status_changes", "outbox"):
    print(table, out.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
print("undelivered", out.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0])
print("migrations", [r[0] for r in out.execute("SELECT identifier FROM grdb_migrations")])
EOF
