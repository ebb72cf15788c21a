#!/usr/bin/env python3
"""The daemon at rest and at start: CPU per minute and resident memory with N shipments in
state and none due, and the time to READY=1.

Usage: bench/daemon_at_rest.py [--shipments N] [--minutes M] [--binary PATH]
Defaults: 100,000 shipments, 2 minutes (LACAK_BENCH_SHIPMENTS, LACAK_BENCH_MINUTES).
Prints one JSON object per run on stdout; run from the repository root after
`swift build -c release`.
"""
import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write_config(root):
    config = f"""
[daemon]
spool_dir = "{root}/spool"
state_dir = "{root}/state"

[[courier]]
id = "idle"
adapter = "json"
endpoint = "http://127.0.0.1:9"
codes = ["jne"]
[courier.request]
path = "/track?awb={{tracking_number}}"
[courier.response]
events = "events[*]"
event_time = "time"
event_description = "text"
"""
    path = os.path.join(root, "lacak.toml")
    with open(path, "w") as handle:
        handle.write(config)
    return path


# When the idle shipments are due: six hours ahead, a time the default poll intervals can set.
# Further ahead than the config's longest interval (here 12 h of final confirmation, plus
# jitter and an hour) lacak takes a next_check for one set under a clock since corrected
# backwards, and polls it at once.
IDLE_DUE_MS = 6 * 3_600_000


def seed(binary, config, root, count):
    """Creates the schema with lacakd itself, then adds `count` tracked shipments due in six hours."""
    subprocess.run([binary, "--check", "--config", config], check=True, capture_output=True)
    now_ms = int(time.time() * 1000)
    insert_orders(root, (
        (f"BENCH-{i:07d}", "awaiting_collection", "jne", "idle", f"JX{i:010d}", "in_transit",
         "in_transit", "in_shipping", now_ms, now_ms, now_ms + IDLE_DUE_MS + i, 1, 1)
        for i in range(count)
    ))


def insert_orders(root, rows):
    """Adds tracked shipments straight into the state lacakd created under `root`; each row is
    (order_id, shop_status, courier_code, courier_id, tracking_number, carrier_status,
    buyer_status, seller_status, created_at, updated_at, next_check, version, written_version).

    State of schema v4 on keeps each package in `shipments`; the one-package schema before it
    (an older release measured side by side) kept it in the order's row."""
    database = sqlite3.connect(os.path.join(root, "state", "state.sqlite"))
    database.execute("PRAGMA synchronous = OFF")
    packages = database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shipments'").fetchone() is not None
    if packages:
        rows = list(rows)
        database.executemany(
            "INSERT INTO orders (order_id, shop_status, courier_code, buyer_status, seller_status, created_at, updated_at,"
            " version, written_version) VALUES (?,?,?,?,?,?,?,?,?)",
            ((r[0], r[1], r[2], r[6], r[7], r[8], r[9], r[11], r[12]) for r in rows))
        database.executemany(
            "INSERT INTO shipments (order_id, tracking_number, courier_code, courier_id, carrier_status, added_at,"
            " last_event_at, next_check) VALUES (?,?,?,?,?,?,?,?)",
            ((r[0], r[4], r[2], r[3], r[5], r[8], r[8], r[10]) for r in rows))
    else:
        database.executemany(
            "INSERT INTO orders (order_id, shop_status, courier_code, courier_id, tracking_number, carrier_status,"
            " buyer_status, seller_status, created_at, updated_at, next_check, version, written_version)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    database.commit()
    database.close()


def run(binary, count, minutes, parent=None):
    """`parent`: where to make the scratch directory; the caller then removes it (see run.py)."""
    if parent is not None:
        return measure(binary, count, minutes, tempfile.mkdtemp(prefix="lacak-rest-", dir=parent))
    with tempfile.TemporaryDirectory(prefix="lacak-rest-") as root:
        return measure(binary, count, minutes, root)


def measure(binary, count, minutes, root):
    config = write_config(root)
    started = time.time()
    seed(binary, config, root, count)
    seeding = time.time() - started
    notify_path = os.path.join(root, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    environment = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="30000000")
    launched = time.time()
    log_path = os.path.join(root, "daemon.log")
    log = open(log_path, "w")
    daemon = subprocess.Popen([binary, "run", "--config", config, "--log-level", os.environ.get("LACAK_BENCH_LOG_LEVEL", "info")],
                              env=environment, stderr=log)
    listener.settimeout(60)
    ready = None
    while ready is None:
        message = listener.recv(4096).decode()
        if "READY=1" in message.split("\n"):
            ready = time.time() - launched
    # Keep reading, as systemd does (STATUS= and WATCHDOG=1 keep coming).
    listener.settimeout(None)
    threading.Thread(target=lambda: [listener.recv(4096) for _ in iter(int, 1)], daemon=True).start()
    time.sleep(2)
    cpu_start = cpu_seconds(daemon.pid)
    samples = [rss_mib(daemon.pid)]
    end = time.time() + minutes * 60
    while time.time() < end:
        time.sleep(min(10, max(0.1, end - time.time())))
        samples.append(rss_mib(daemon.pid))
    cpu = cpu_seconds(daemon.pid) - cpu_start
    daemon.terminate()
    try:
        status = daemon.wait(timeout=60)
    except subprocess.TimeoutExpired:
        daemon.kill()
        with open(log_path) as handle:
            sys.exit("lacakd did not stop within 60 s of SIGTERM; its log ends:\n" + handle.read()[-3000:])
    return {
        "shipments": count,
        "seed_seconds": round(seeding, 1),
        "ready_seconds": round(ready, 3),
        "minutes": minutes,
        "cpu_seconds_per_minute": round(cpu / minutes, 4),
        "rss_mib_start": round(samples[0], 1),
        "rss_mib_end": round(samples[-1], 1),
        "rss_mib_max": round(max(samples), 1),
        "exit_status": status,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shipments", type=int, default=int(os.environ.get("LACAK_BENCH_SHIPMENTS", "100000")))
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("LACAK_BENCH_MINUTES", "2")))
    parser.add_argument("--binary", default=".build/release/lacakd")
    arguments = parser.parse_args()
    if not os.access(arguments.binary, os.X_OK):
        sys.exit(f"{arguments.binary} not found; run `swift build -c release` first")
    print(json.dumps(run(arguments.binary, arguments.shipments, arguments.minutes)))


if __name__ == "__main__":
    main()
