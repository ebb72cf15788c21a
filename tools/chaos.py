#!/usr/bin/env python3
"""`make chaos`: the daemon under load and misbehaving couriers, killed with SIGKILL again and
again, must lose nothing and deliver nothing twice.

Two courier-sim instances (Binderbyte and Komerce dialects) answer with a mix of faults
(errors, rate limits, hangs, resets, truncated, malformed, huge and slow bodies, HTML pages,
redirect loops). Orders arrive in `incoming/` while `lacakd run` is killed at random moments
and restarted. Then the faults stop and the daemon runs until every shipment has reached the
final status of its simulated timeline. The checks (any failure exits 1):

  * every status change in state has exactly its notification files, each exactly once;
  * every notification file and snapshot parses as JSON; no temporary file is visible to readers;
  * every accepted intake order exists in state, every rejected record is reported;
  * PRAGMA integrity_check is ok;
  * every shipment reached the final status of its timeline.

The figures (kills, faults injected, requests) are printed and written to --report.
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The final carrier status each simulated scenario ends in (courier-sim's Timeline.swift).
SCENARIOS = {
    "delivered": "delivered",
    "failed_then_delivered": "delivered",
    "exception_then_delivered": "delivered",
    "late_scan": "delivered",
    "returned": "returned",
}

FAULTS = {
    "binderbyte": ["error500@0.04", "error502@0.03", "error503:1@0.03", "ratelimit:1@0.03", "ratelimit-date:1@0.02",
                   "latency:0.01-0.3@0.08", "hang@0.01", "reset@0.03", "truncated@0.03", "malformed@0.03",
                   "html@0.02", "redirect-loop@0.01", "huge:6@0.005", "slow:0.5@0.005"],
    "komerce": ["error500@0.05", "ratelimit:2@0.04", "latency:0.05-0.5@0.1", "hang@0.02", "reset@0.04",
                "truncated@0.03", "malformed@0.03", "html@0.02"],
}
COURIER_CODES = {"binderbyte": ["jne", "jnt", "sicepat"], "komerce": ["anteraja", "ninja"]}


def binaries(directory, target):
    """lacakd and courier-sim in `directory`; exits when either is missing."""
    paths = [os.path.join(directory, name) for name in ("lacakd", "courier-sim")]
    for binary in paths:
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is missing; build first ({target} builds it)")
    return paths


def log(message):
    print(f"chaos: {message}", flush=True)


class Sim:
    def __init__(self, binary, dialect, speed, shipments_file, faults):
        command = [binary, "--port", "0", "--dialect", dialect, "--speed", str(speed), "--api-key", "chaos-key",
                   "--shipments", shipments_file] + [f"--fault={fault}" for fault in faults]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if "127.0.0.1:" not in line:
            raise RuntimeError(f"courier-sim ({dialect}) did not start: {line!r}")
        self.port = int(line.split("127.0.0.1:")[1].split()[0])
        self.base = f"http://127.0.0.1:{self.port}"

    def call(self, method, path):
        request = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def write_config(work, sims, poll):
    lines = [f"""
[daemon]
spool_dir = "{work}/spool"
state_dir = "{work}/state"
data_dir = "{ROOT}/config"
retry_initial = "1s"
retry_max = "4s"
shutdown_timeout = "5s"
intake_rescan = "2s"

[daemon.poll_interval]
pending = "{poll}"
info_received = "{poll}"
in_transit = "{poll}"
out_for_delivery = "{poll}"
failed_attempt = "{poll}"
exception = "{poll}"
returning = "{poll}"
final_confirmation = "{poll}"
"""]
    for preset, sim in sims.items():
        codes = ", ".join(f'"{code}"' for code in COURIER_CODES[preset])
        lines.append(f"""
[[courier]]
id = "{preset}"
preset = "{preset}"
endpoint = "{sim.base}"
codes = [{codes}]
rate_limit = 0
max_in_flight = 16
connect_timeout = "1s"
timeout = "2s"
max_response_size = "2MiB"

[courier.credentials]
api_key = {{ env = "LACAK_CHAOS_KEY" }}
""")
    path = os.path.join(work, "lacak.toml")
    with open(path, "w") as handle:
        handle.write("".join(lines))
    return path


def record(order_id, packages):
    """The intake record of an order: one package as top-level fields, several as `packages`."""
    if len(packages) == 1:
        awb, code = packages[0]
        return {"order_id": order_id, "tracking_number": awb, "courier": code, "status": "AWAITING_COLLECTION"}
    return {"order_id": order_id, "status": "AWAITING_COLLECTION",
            "packages": [{"tracking_number": awb, "courier": code, "package_id": f"{order_id}-{n}"} for n, (awb, code) in enumerate(packages)]}


class Feeder(threading.Thread):
    """Drops intake files (written under a dot name, then renamed) holding good orders and a
    few bad records, over `seconds`."""

    def __init__(self, incoming, orders, seconds, batch):
        super().__init__(daemon=True)
        self.incoming, self.orders, self.seconds, self.batch = incoming, orders, seconds, batch
        self.accepted, self.bad_records, self.files = [], 0, 0

    def run(self):
        batches = [self.orders[i:i + self.batch] for i in range(0, len(self.orders), self.batch)]
        pause = self.seconds / max(1, len(batches))
        for number, chunk in enumerate(batches):
            lines = [json.dumps(record(order_id, packages)) for order_id, packages in chunk]
            # Records lacak must reject while keeping the rest of the file.
            lines.insert(len(lines) // 2, json.dumps({"order_id": f"../escape-{number}", "tracking_number": "X1", "courier": "jne"}))
            lines.insert(len(lines) // 3, json.dumps({"tracking_number": "NO-ID"}))
            self.bad_records += 2
            temporary = os.path.join(self.incoming, f".batch-{number:05d}.jsonl")
            with open(temporary, "w") as handle:
                handle.write("\n".join(lines) + "\n")
            os.rename(temporary, os.path.join(self.incoming, f"batch-{number:05d}.jsonl"))
            self.accepted += [order_id for order_id, _ in chunk]
            self.files += 1
            time.sleep(pause)


class Reader(threading.Thread):
    """A reader of the notification directory: moves delivered files from new/ to cur/, as a
    maildir consumer does, which must never cause a second delivery."""

    def __init__(self, spool):
        super().__init__(daemon=True)
        self.new = os.path.join(spool, "notifications", "new")
        self.cur = os.path.join(spool, "notifications", "cur")
        self.stopped = threading.Event()
        self.moved = 0

    def run(self):
        while not self.stopped.wait(0.5):
            try:
                names = os.listdir(self.new)
            except FileNotFoundError:
                continue
            for name in random.sample(names, len(names) // 2):
                try:
                    os.rename(os.path.join(self.new, name), os.path.join(self.cur, name))
                    self.moved += 1
                except FileNotFoundError:
                    pass


def start_daemon(lacakd, config, log_file):
    return subprocess.Popen([lacakd, "run", "--config", config], stdout=log_file, stderr=log_file,
                            env=dict(os.environ, LACAK_CHAOS_KEY="chaos-key"))


def state_query(work, sql, arguments=()):
    database = sqlite3.connect(f"file:{work}/state/state.sqlite?mode=ro", uri=True, timeout=30)
    try:
        return database.execute(sql, arguments).fetchall()
    finally:
        database.close()


def converge(work, expected, timeout):
    """Waits until every order has its final status, every snapshot is written and the outbox
    is empty; returns the seconds it took, or None with what is still missing."""
    started = time.time()
    missing = ""
    while time.time() - started < timeout:
        try:
            rows = dict(state_query(work, "SELECT tracking_number, carrier_status FROM shipments"))
            unwritten = state_query(work, "SELECT COUNT(*) FROM orders WHERE version > written_version")[0][0]
            pending = state_query(work, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")[0][0]
        except sqlite3.Error as error:
            missing = f"state unreadable: {error}"
            time.sleep(1)
            continue
        wrong = [awb for awb, status in expected.items() if rows.get(awb) != status]
        if not wrong and unwritten == 0 and pending == 0:
            return time.time() - started, ""
        sample = ", ".join(f"{awb}={rows.get(awb)}" for awb in wrong[:5])
        missing = f"{len(wrong)} package(s) not final ({sample}), {unwritten} snapshot(s) unwritten, {pending} notification(s) pending"
        time.sleep(1)
    return None, missing


def check(work, spool, accepted, expected, feeder):
    failures = []
    facts = {}
    changes = state_query(work, "SELECT id, notifications FROM status_changes")
    owed = {change_id: count for change_id, count in changes if count > 0}
    seen = {}
    for directory in ("new", "cur"):
        path = os.path.join(spool, "notifications", directory)
        for name in os.listdir(path):
            full = os.path.join(path, name)
            if name.startswith(".") or not name.endswith(".json"):
                failures.append(f"temporary or foreign file visible to readers: notifications/{directory}/{name}")
                continue
            try:
                with open(full) as handle:
                    document = json.load(handle)
            except (OSError, ValueError) as error:
                failures.append(f"notifications/{directory}/{name} is partial or unparsable: {error}")
                continue
            change_id = int(name.split(".")[1].split("-")[0])
            seen.setdefault(change_id, []).append(name)
            if document.get("id") != name.split(".")[1]:
                failures.append(f"notifications/{directory}/{name} has id {document.get('id')!r}")
    for change_id, count in owed.items():
        files = seen.get(change_id, [])
        if len(files) != count:
            failures.append(f"status change {change_id}: {len(files)} notification file(s), {count} owed: {files}")
    for change_id in seen.keys() - owed.keys():
        failures.append(f"notification file(s) for unknown status change {change_id}: {seen[change_id]}")
    facts["status_changes"] = len(changes)
    facts["notification_files"] = sum(len(files) for files in seen.values())

    orders = os.path.join(spool, "orders")
    snapshots = 0
    for name in os.listdir(orders):
        if not name.endswith(".json") or name.startswith("."):
            failures.append(f"temporary file visible to readers: orders/{name}")
            continue
        try:
            with open(os.path.join(orders, name)) as handle:
                json.load(handle)
            snapshots += 1
        except (OSError, ValueError) as error:
            failures.append(f"orders/{name} is partial or unparsable: {error}")
    facts["snapshots"] = snapshots

    known = {row[0] for row in state_query(work, "SELECT order_id FROM orders")}
    lost = [order_id for order_id in accepted if order_id not in known]
    if lost:
        failures.append(f"{len(lost)} accepted intake order(s) missing from state, e.g. {lost[:5]}")
    if os.listdir(os.path.join(spool, "incoming")):
        failures.append(f"intake files left unread: {os.listdir(os.path.join(spool, 'incoming'))[:5]}")
    rejected_reports = [name for name in os.listdir(os.path.join(spool, "rejected")) if name.endswith(".error")]
    if len(rejected_reports) != feeder.files:
        failures.append(f"{feeder.files} intake files had bad records but {len(rejected_reports)} .error report(s) exist")

    integrity = state_query(work, "PRAGMA integrity_check")[0][0]
    if integrity != "ok":
        failures.append(f"PRAGMA integrity_check: {integrity}")
    rows = dict(state_query(work, "SELECT tracking_number, carrier_status FROM shipments"))
    wrong = {awb: (rows.get(awb), status) for awb, status in expected.items() if rows.get(awb) != status}
    if wrong:
        failures.append(f"{len(wrong)} package(s) not at their timeline's final status, e.g. {list(wrong.items())[:5]}")
    facts["orders"] = len(known)
    facts["packages"] = len(rows)
    several = state_query(work, "SELECT COUNT(*) FROM (SELECT order_id FROM shipments GROUP BY order_id HAVING COUNT(*) > 1)")[0][0]
    facts["orders_with_several_packages"] = several
    return failures, facts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"), help="directory with lacakd and courier-sim")
    parser.add_argument("--kills", type=int, default=int(os.environ.get("LACAK_CHAOS_KILLS", "50")))
    parser.add_argument("--shipments", type=int, default=int(os.environ.get("LACAK_CHAOS_SHIPMENTS", "2000")))
    parser.add_argument("--speed", type=float, default=7200, help="courier-sim time compression (7200: the longest timeline takes 45 s)")
    parser.add_argument("--poll", default="2s", help="poll interval for every status")
    parser.add_argument("--min-gap", type=float, default=0.3, help="shortest run between kills, seconds")
    parser.add_argument("--max-gap", type=float, default=3.0, help="longest run between kills, seconds")
    parser.add_argument("--converge-timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("LACAK_CHAOS_SEED", str(int(time.time())))))
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--report", help="write the figures here as JSON")
    arguments = parser.parse_args()
    random.seed(arguments.seed)
    lacakd, simulator = binaries(arguments.bin, "make chaos")

    work = tempfile.mkdtemp(prefix="lacak-chaos-")
    spool = os.path.join(work, "spool")
    log(f"seed {arguments.seed}, {arguments.shipments} shipments, {arguments.kills} kills, work directory {work}")

    # Every shipment gets a scenario with a final status; numbers differ per run. Every fourth
    # is the second package of the order before it (split orders, each package its own courier).
    orders, expected, table = [], {}, {}
    scenarios = sorted(SCENARIOS)
    presets = sorted(COURIER_CODES)
    for index in range(arguments.shipments):
        preset = presets[index % len(presets)]
        code = COURIER_CODES[preset][index % len(COURIER_CODES[preset])]
        awb = f"CH{arguments.seed % 100000:05d}{index:07d}"
        scenario = scenarios[random.randrange(len(scenarios))]
        if index % 4 == 3:
            orders[-1][1].append((awb, code))
        else:
            orders.append((f"CHAOS-{index:06d}", [(awb, code)]))
        table[awb] = scenario
        expected[awb] = SCENARIOS[scenario]
    shipments_file = os.path.join(work, "scenarios.json")
    with open(shipments_file, "w") as handle:
        json.dump(table, handle)

    sims = {preset: Sim(simulator, preset, arguments.speed, shipments_file, FAULTS[preset]) for preset in presets}
    config = write_config(work, sims, arguments.poll)
    subprocess.run([lacakd, "validate", "--config", config], check=True, capture_output=True, env=dict(os.environ, LACAK_CHAOS_KEY="chaos-key"))
    daemon_log = open(os.path.join(work, "daemon.log"), "a")
    failures = []
    figures = {"seed": arguments.seed, "shipments": arguments.shipments}
    daemon = None
    try:
        gaps = [random.uniform(arguments.min_gap, arguments.max_gap) for _ in range(arguments.kills)]
        # Orders keep arriving through the first two thirds of the kill phase.
        feeder = Feeder(os.path.join(spool, "incoming"), orders, sum(gaps) * 2 / 3, batch=max(10, arguments.shipments // 40))
        os.makedirs(os.path.join(spool, "incoming"), exist_ok=True)
        reader = Reader(spool)
        started = time.time()
        feeder.start()
        reader.start()
        kills = 0
        for gap in gaps:
            daemon = start_daemon(lacakd, config, daemon_log)
            time.sleep(gap)
            if daemon.poll() is not None:
                failures.append(f"lacakd exited on its own with status {daemon.returncode} (see {work}/daemon.log)")
                break
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            kills += 1
        feeder.join()
        figures["kills"] = kills
        figures["kill_phase_seconds"] = round(time.time() - started, 1)
        figures["faults_injected"] = {preset: sim.call("GET", "/_sim/faults") for preset, sim in sims.items()}
        figures["requests"] = sum(sim.call("GET", "/_sim/stats").get("requests", 0) for sim in sims.values())
        log(f"{kills} kills survived; faults injected: {json.dumps(figures['faults_injected'])}")

        for sim in sims.values():
            sim.call("PUT", "/_sim/faults?set=")
        daemon = start_daemon(lacakd, config, daemon_log)
        seconds, missing = converge(work, expected, arguments.converge_timeout)
        reader.stopped.set()
        reader.join()
        if seconds is None:
            failures.append(f"did not converge within {arguments.converge_timeout:.0f} s: {missing}")
        else:
            figures["converge_seconds"] = round(seconds, 1)
            log(f"converged {seconds:.1f} s after the faults stopped")
        daemon.send_signal(signal.SIGTERM)
        try:
            status = daemon.wait(timeout=30)
            if status != 0:
                failures.append(f"lacakd exited with status {status} on SIGTERM")
        except subprocess.TimeoutExpired:
            daemon.kill()
            failures.append("lacakd did not stop within 30 s of SIGTERM")
        daemon = None
        found, facts = check(work, spool, feeder.accepted, expected, feeder)
        failures += found
        figures.update(facts)
        figures["bad_records_rejected"] = feeder.bad_records
        figures["files_moved_by_reader"] = reader.moved
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
        for sim in sims.values():
            sim.stop()
        daemon_log.close()

    figures["failures"] = failures
    if arguments.report:
        with open(arguments.report, "w") as handle:
            json.dump(figures, handle, indent=2)
            handle.write("\n")
    log(f"{figures.get('orders', 0)} orders ({figures.get('orders_with_several_packages', 0)} with several packages), {figures.get('packages', 0)} packages, {figures.get('status_changes', 0)} status changes, "
        f"{figures.get('notification_files', 0)} notification files, {figures.get('requests', 0)} requests")
    if failures:
        for failure in failures:
            log(f"FAILED: {failure}")
        with open(os.path.join(work, "daemon.log")) as handle:
            tail = handle.read()[-3000:]
        log(f"daemon log ends:\n{tail}")
        log(f"work directory kept: {work}")
        sys.exit(1)
    log("all checks passed")
    if not arguments.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
