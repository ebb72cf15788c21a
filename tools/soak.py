#!/usr/bin/env python3
"""`make soak`: the daemon under steady load for a while, watched for leaks.

courier-sim answers (with a few faults, so error paths run too), orders arrive in `incoming/`
every second, a reader consumes the notifications, and `lacakd run` is sampled every few
seconds: resident memory, open file descriptors and threads. After a warm-up minute the first
sample is the baseline; the last one must not have grown past it by more than a little
(descriptors +5, memory +20 % + 5 MiB), otherwise the run fails. Figures go to --report.
"""
import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402  (Sim, config writing)

ROOT = chaos.ROOT


def sample(pid):
    with open(f"/proc/{pid}/status") as handle:
        fields = dict(line.split(":", 1) for line in handle if ":" in line)
    return {
        "rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(fields["Threads"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("LACAK_SOAK_MINUTES", "10")))
    parser.add_argument("--rate", type=int, default=20, help="orders arriving per second")
    parser.add_argument("--speed", type=float, default=1440, help="courier-sim time compression")
    parser.add_argument("--report")
    arguments = parser.parse_args()
    lacakd, simulator = chaos.binaries(arguments.bin, "make soak")

    work = tempfile.mkdtemp(prefix="lacak-soak-")
    spool = os.path.join(work, "spool")
    total = int(arguments.minutes * 60 * arguments.rate)
    table = {}
    for index in range(total):
        table[f"SK{index:09d}"] = sorted(chaos.SCENARIOS)[index % len(chaos.SCENARIOS)]
    shipments_file = os.path.join(work, "scenarios.json")
    with open(shipments_file, "w") as handle:
        json.dump(table, handle)
    sims = {"binderbyte": chaos.Sim(simulator, "binderbyte", arguments.speed, shipments_file,
                                    ["error500@0.02", "latency:0.01-0.2@0.1", "malformed@0.01", "reset@0.01"])}
    config = chaos.write_config(work, sims, "10s")
    os.makedirs(os.path.join(spool, "incoming"), exist_ok=True)
    log = open(os.path.join(work, "daemon.log"), "w")
    daemon = subprocess.Popen([lacakd, "run", "--config", config], stdout=log, stderr=log,
                              env=dict(os.environ, LACAK_CHAOS_KEY="chaos-key"))
    stop = threading.Event()

    def feed():
        index, number = 0, 0
        numbers = sorted(table)
        while not stop.is_set() and index < total:
            chunk = numbers[index:index + arguments.rate]
            temporary = os.path.join(spool, "incoming", f".feed-{number:06d}.jsonl")
            with open(temporary, "w") as handle:
                for awb in chunk:
                    handle.write(json.dumps({"order_id": "O" + awb, "tracking_number": awb, "courier": "jne",
                                             "status": "AWAITING_COLLECTION"}) + "\n")
            os.rename(temporary, os.path.join(spool, "incoming", f"feed-{number:06d}.jsonl"))
            index += len(chunk)
            number += 1
            stop.wait(1)

    def consume():
        new = os.path.join(spool, "notifications", "new")
        while not stop.wait(2):
            for name in os.listdir(new) if os.path.isdir(new) else []:
                try:
                    os.unlink(os.path.join(new, name))
                except FileNotFoundError:
                    pass

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=consume, daemon=True)]
    for thread in threads:
        thread.start()
    samples = []
    started = time.time()
    failures = []
    try:
        while time.time() - started < arguments.minutes * 60:
            time.sleep(5)
            if daemon.poll() is not None:
                failures.append(f"lacakd exited with status {daemon.returncode}")
                break
            samples.append({"seconds": round(time.time() - started), **sample(daemon.pid)})
        stop.set()
        daemon.send_signal(signal.SIGTERM)
        status = daemon.wait(timeout=60)
        if status != 0:
            failures.append(f"lacakd exited with status {status} on SIGTERM")
    finally:
        stop.set()
        if daemon.poll() is None:
            daemon.kill()
        for sim in sims.values():
            sim.stop()
        log.close()

    database = sqlite3.connect(f"file:{work}/state/state.sqlite?mode=ro", uri=True)
    orders, changes = database.execute("SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM status_changes)").fetchone()
    integrity = database.execute("PRAGMA integrity_check").fetchone()[0]
    database.close()
    if integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    warm = [entry for entry in samples if entry["seconds"] >= 60] or samples
    if not warm:
        failures.append("no samples taken")
        first = last = {"rss_mib": 0, "fds": 0, "threads": 0}
    else:
        first, last = warm[0], warm[-1]
        if last["fds"] > first["fds"] + 5:
            failures.append(f"open descriptors grew from {first['fds']} to {last['fds']}")
        if last["rss_mib"] > first["rss_mib"] * 1.2 + 5:
            failures.append(f"resident memory grew from {first['rss_mib']} to {last['rss_mib']} MiB")
    report = {"minutes": arguments.minutes, "orders": orders, "status_changes": changes, "start": first, "end": last,
              "rss_mib_max": max((entry["rss_mib"] for entry in samples), default=0), "samples": samples, "failures": failures}
    if arguments.report:
        os.makedirs(os.path.dirname(os.path.abspath(arguments.report)), exist_ok=True)
        with open(arguments.report, "w") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
    print(f"soak: {arguments.minutes:g} min, {orders} orders, {changes} status changes")
    print(f"soak: after warm-up  RSS {first['rss_mib']} MiB, {first['fds']} fds, {first['threads']} threads")
    print(f"soak: at the end     RSS {last['rss_mib']} MiB, {last['fds']} fds, {last['threads']} threads "
          f"(max RSS {report['rss_mib_max']} MiB)")
    if failures:
        for failure in failures:
            print(f"soak: FAILED: {failure}")
        print(f"soak: work directory kept: {work}")
        sys.exit(1)
    print("soak: flat")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
