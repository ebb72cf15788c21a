#!/usr/bin/env python3
"""`make bench`: lacak measured beside a reference in the same run, on loopback only.

Prints one table (benchmark, lacak, reference, ratio, target) and writes the same rows to
bench/results.json. Sizes come from environment variables (defaults finish in a few minutes
on 2 cores):

  LACAK_BENCH_LATENCY_SHIPMENTS  20000   latency-bound polling: due shipments
  LACAK_BENCH_LATENCY_INFLIGHT   256     requests in flight (one courier, no rate limit)
  LACAK_BENCH_DELAY_MS           100     courier-sim's answer delay
  LACAK_BENCH_CPU_SHIPMENTS      20000   CPU-bound polling against nginx
  LACAK_BENCH_CPU_INFLIGHT       64      requests in flight (lacak and curl --parallel-max)
  LACAK_BENCH_SCALE_DUE          10000   scale of the state: due shipments per run
  LACAK_BENCH_SCALE_SIZES        10000,100000,1000000   shipments in state
  LACAK_BENCH_REST_SHIPMENTS     100000  the daemon at rest: idle shipments
  LACAK_BENCH_REST_MINUTES       2       …for this long
  LACAK_BENCH_START_SHIPMENTS    1000000 the daemon at start: shipments in state
  LACAK_BENCH_PARSE_SECONDS      2       parsing: seconds per side per dialect
  LACAK_BENCH_EXPORT_ROWS        50000   Seller Center export: rows (SKU lines) in the file
  LACAK_BENCH_ONLY               (all)   comma-separated subset: latency,cpu,scale,daemon,parse,export

Ratios are lacak's time over the reference's (lower is better; 1.0 is a tie); for rates the
reference's rate over lacak's. Run from the repository root after `swift build -c release`.

Scratch directories live under one root (in $TMPDIR) that is removed only when every benchmark
is done: on a journal-less ext4, deleting tens of thousands of files makes the file creations
of the next 30 seconds scan past the freed inodes, which would bill one benchmark for the
clean-up of the one before.
"""
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_at_rest  # noqa: E402
import export_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release")
LACAKD = os.path.join(BIN, "lacakd")
SIM = os.path.join(BIN, "courier-sim")
PARSER = os.path.join(BIN, "lacak-bench")
DATA = os.path.join(ROOT, "config")


WORK_ROOT = None


def scratch(name):
    """A fresh directory under the run's work root."""
    return tempfile.mkdtemp(prefix=name + "-", dir=WORK_ROOT)


def env_int(name, default):
    return int(os.environ.get(name, default))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sim:
    """courier-sim in the background, on a free port."""

    def __init__(self, *arguments):
        self.process = subprocess.Popen([SIM, "--port", "0", "--api-key", "bench-key", *arguments],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        self.port = int(line.split("127.0.0.1:")[1].split()[0])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Nginx:
    """nginx from Debian answering /v1/track with a Binderbyte-shaped body per tracking number."""

    BODY = ('{"status":200,"message":"Successfully tracked package","data":{"summary":{"awb":"$arg_awb",'
            '"courier":"JNE Express","service":"REG","status":"ON PROCESS","date":"2026-11-28 10:00:00","desc":"",'
            '"amount":"12000","weight":"1"},"detail":{"origin":"JAKARTA","destination":"BANDUNG","shipper":"TOKO",'
            '"receiver":"BUDI"},"history":['
            '{"date":"2026-11-28 10:00:00","desc":"RECEIVED AT INBOUND STATION [BANDUNG]","location":"BANDUNG"},'
            '{"date":"2026-11-27 22:00:00","desc":"DEPARTED FROM TRANSIT [JAKARTA]","location":"JAKARTA"},'
            '{"date":"2026-11-27 18:00:00","desc":"PROCESSED AT SORTING CENTER [JAKARTA]","location":"JAKARTA"},'
            '{"date":"2026-11-27 14:00:00","desc":"PICKED UP BY COURIER [JAKARTA]","location":"JAKARTA"},'
            '{"date":"2026-11-27 12:00:00","desc":"SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]","location":"JAKARTA"}'
            ']}}')

    def __init__(self, work):
        self.port = free_port()
        prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as handle:
            handle.write(f"""
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location /v1/track {{
            default_type application/json;
            return 200 '{self.BODY}';
        }}
    }}
}}
""")
        self.process = subprocess.Popen(["nginx", "-p", prefix, "-c", conf], stderr=subprocess.PIPE)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + self.process.stderr.read().decode())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def write_config(work, endpoint, in_flight, extra=""):
    path = os.path.join(work, "lacak.toml")
    with open(path, "w") as handle:
        handle.write(f"""
[daemon]
spool_dir = "{work}/spool"
state_dir = "{work}/state"
data_dir = "{DATA}"
{extra}

[[courier]]
id = "bench"
preset = "binderbyte"
endpoint = "{endpoint}"
rate_limit = 0
max_in_flight = {in_flight}
timeout = "60s"

[courier.credentials]
api_key = {{ env = "LACAK_BENCH_KEY" }}
""")
    return path


def seed(work, config, total, due):
    """State with `total` tracked shipments, `due` of them due now, created outside lacak
    (schema by lacak itself) so that only polling is timed."""
    subprocess.run([LACAKD, "--check", "--config", config], check=True, capture_output=True, env=bench_env())
    now_ms = int(time.time() * 1000)
    # The others are due in six hours: a time the default intervals can set. A next_check
    # further ahead than any interval of the config reaches is due at once (lacak takes it for
    # a clock corrected backwards), which would make every one of them due.
    daemon_at_rest.insert_orders(work, (
        (f"B-{i:07d}", "awaiting_collection", "jne", "bench", f"JX9{i:09d}", "pending", "waiting_for_delivery",
         "ready_to_ship", now_ms, now_ms, now_ms - 1000 if i < due else now_ms + daemon_at_rest.IDLE_DUE_MS + i, 1, 1)
        for i in range(total)))


def bench_env():
    return dict(os.environ, LACAK_BENCH_KEY="bench-key")


def timed(command):
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=bench_env())
    elapsed = time.perf_counter() - started
    if result.returncode not in (0,):
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def row(name, lacak, reference, unit, ratio, target, note=""):
    return {"benchmark": name, "lacak": lacak, "reference": reference, "unit": unit,
            "ratio": round(ratio, 3), "target": target, "met": ratio <= target if target is not None else None, "note": note}


def bench_latency():
    shipments = env_int("LACAK_BENCH_LATENCY_SHIPMENTS", 20000)
    in_flight = env_int("LACAK_BENCH_LATENCY_INFLIGHT", 256)
    delay = env_int("LACAK_BENCH_DELAY_MS", 100) / 1000
    work = scratch("latency")
    sim = Sim("--speed", "60", "--fault", f"delay:{delay}")
    try:
        config = write_config(work, f"http://127.0.0.1:{sim.port}", in_flight)
        seed(work, config, shipments, shipments)
        elapsed, _ = timed([LACAKD, "--check", "--all", "--config", config])
    finally:
        sim.stop()
    minimum = shipments / in_flight * delay
    return [row(f"latency-bound polling: {shipments} due, {in_flight} in flight, {int(delay * 1000)} ms answers",
                round(elapsed, 2), round(minimum, 2), "s (reference: shipments / in-flight × delay)", elapsed / minimum, 1.10)]


def bench_cpu():
    shipments = env_int("LACAK_BENCH_CPU_SHIPMENTS", 20000)
    in_flight = env_int("LACAK_BENCH_CPU_INFLIGHT", 64)
    rows = []
    work = scratch("cpu")
    nginx = Nginx(work)
    try:
        base = f"http://127.0.0.1:{nginx.port}"
        urls = os.path.join(work, "urls.txt")
        with open(urls, "w") as handle:
            for i in range(shipments):
                handle.write(f'url = "{base}/v1/track?api_key=bench-key&courier=jne&awb=JX9{i:09d}"\noutput = "/dev/null"\n')
        curl_seconds, _ = timed(["curl", "-s", "--parallel", "--parallel-max", str(in_flight), "--parallel-immediate", "-K", urls])
        config = write_config(work, base, in_flight)
        seed(work, config, shipments, shipments)
        lacak_seconds, _ = timed([LACAKD, "--check", "--all", "--config", config])
        outputs_seconds, outputs = write_like(work)
        wrk = subprocess.run(["wrk", "-t2", f"-c{in_flight}", "-d5s", f"{base}/v1/track?api_key=bench-key&courier=jne&awb=JX9000000001"],
                             capture_output=True, text=True)
        rps = next((float(line.split()[1]) for line in wrk.stdout.splitlines() if line.startswith("Requests/sec")), 0.0)
    finally:
        nginx.stop()
    lacak_rps = shipments / lacak_seconds
    rows.append(row(f"CPU-bound polling: {shipments} due against nginx, {in_flight} in flight",
                    round(lacak_seconds, 2), round(curl_seconds, 2), "s (reference: curl --parallel, same URLs)", lacak_seconds / curl_seconds, 1.0,
                    "lacak also parses, normalises, commits and writes snapshots"))
    rows.append(row(f"  … against curl plus writing lacak's {outputs['files']} output files alone",
                    round(lacak_seconds, 2), round(curl_seconds + outputs_seconds, 2),
                    f"s (reference: curl, plus {outputs_seconds:.2f} s to create the same files, same sizes, durably)",
                    lacak_seconds / (curl_seconds + outputs_seconds), None))
    if rps:
        rows.append(row("  requests per second vs wrk (loopback ceiling)", round(lacak_rps), round(rps), "req/s", rps / lacak_rps, None))
    return rows


def write_like(work):
    """Times writing files like the ones lacak left in `work`'s spool (same count and sizes)
    the way lacak writes them: in batches of 500, each file under a temporary name, one
    syncfs(2) per batch, renamed into place, the directory fsynced. The floor any program
    writing these outputs durably pays on this file system."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    sizes = []
    for directory in ("spool/orders", "spool/notifications/new"):
        path = os.path.join(work, directory)
        sizes += [entry.stat().st_size for entry in os.scandir(path)]
    target = os.path.join(work, "outputs-floor")
    os.makedirs(target)
    payloads = {size: b"x" * size for size in set(sizes)}
    started = time.perf_counter()
    directory = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    for first in range(0, len(sizes), 500):
        batch = range(first, min(first + 500, len(sizes)))
        for index in batch:
            handle = os.open(f"{target}/{index}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            os.write(handle, payloads[sizes[index]])
            os.close(handle)
        libc.syncfs(directory)
        for index in batch:
            os.rename(f"{target}/{index}.tmp", f"{target}/{index}.json")
        os.fsync(directory)
    os.close(directory)
    return time.perf_counter() - started, {"files": len(sizes), "bytes": sum(sizes)}


def bench_scale():
    due = env_int("LACAK_BENCH_SCALE_DUE", 10000)
    sizes = [int(size) for size in os.environ.get("LACAK_BENCH_SCALE_SIZES", "10000,100000,1000000").split(",")]
    per_shipment = {}
    sim = Sim("--speed", "60")
    try:
        for size in sizes:
            work = scratch(f"scale-{size}")
            config = write_config(work, f"http://127.0.0.1:{sim.port}", 64)
            seed(work, config, size, due)
            elapsed, _ = timed([LACAKD, "--check", "--config", config])
            per_shipment[size] = elapsed / due
    finally:
        sim.stop()
    smallest = per_shipment[sizes[0]]
    return [row(f"scale: {due} due among {size:,} in state", round(per_shipment[size] * 1e6), round(smallest * 1e6),
                f"µs per polled shipment (reference: {sizes[0]:,} in state)", per_shipment[size] / smallest, 1.2 if size == sizes[-1] else None)
            for size in sizes]


def bench_daemon():
    idle = env_int("LACAK_BENCH_REST_SHIPMENTS", 100000)
    minutes = float(os.environ.get("LACAK_BENCH_REST_MINUTES", "2"))
    start = env_int("LACAK_BENCH_START_SHIPMENTS", 1000000)
    rest = daemon_at_rest.run(LACAKD, idle, minutes, parent=WORK_ROOT)
    big = daemon_at_rest.run(LACAKD, start, 0.5, parent=WORK_ROOT)
    return [
        row(f"daemon at rest: {idle:,} idle shipments, {minutes:g} min", rest["cpu_seconds_per_minute"], 0.5, "CPU s per minute (reference: target)",
            rest["cpu_seconds_per_minute"] / 0.5, 1.0, f"RSS {rest['rss_mib_start']} → {rest['rss_mib_end']} MiB"),
        row(f"daemon start: {start:,} shipments in state", big["ready_seconds"], 3.0, "s to READY=1 (reference: target)", big["ready_seconds"] / 3.0, 1.0),
        row(f"daemon memory: {start:,} shipments in state", big["rss_mib_max"], 190.7, "MiB resident (reference: target 200 MB)", big["rss_mib_max"] / 190.7, 1.0),
    ]


PARSE_CASES = [
    # preset, dialect, how to fetch one answer (method, path, body, extra curl arguments)
    ("binderbyte", "binderbyte", "GET", "/v1/track?api_key=bench-key&courier=jne&awb={n}", None, []),
    ("rajaongkir", "rajaongkir", "POST", "/api/waybill", "waybill={n}&courier=jne", ["-H", "key: bench-key"]),
    ("komerce", "komerce", "POST", "/api/v1/track/waybill?awb={n}&courier=jne", "awb={n}&courier=jne", ["-H", "key: bench-key"]),
    ("17track", "17track", "POST", "/track/v2.2/gettrackinfo", '[{{"number":"{n}"}}]', ["-H", "17token: bench-key"]),
    ("aftership", "aftership", "GET", "/tracking/2025-04/trackings?tracking_numbers={n}", None, ["-H", "as-api-key: bench-key"]),
    ("easypost", "easypost", "POST", "/v2/trackers", '{{"tracker":{{"tracking_code":"{n}","carrier":"USPS"}}}}', ["-u", "bench-key:"]),
]


def bench_parse():
    seconds = os.environ.get("LACAK_BENCH_PARSE_SECONDS", "2")
    number = "JX8000000001"
    rows = []
    work = scratch("parse")
    for preset, dialect, method, path, body, extra in PARSE_CASES:
        sim = Sim("--speed", "3600000", "--dialect", dialect)
        try:
            base = f"http://127.0.0.1:{sim.port}"
            # Register or create where the API wants it, then let the whole (returned) story pass.
            subprocess.run(["curl", "-s", "-X", "PUT", f"{base}/_sim/shipments/{number}?scenario=returned"], check=True, capture_output=True)
            if dialect == "17track":
                subprocess.run(["curl", "-s", "-X", "POST", "-H", "17token: bench-key", "-d", f'[{{"number":"{number}"}}]', f"{base}/track/v2.2/register"], check=True, capture_output=True)
            if dialect == "aftership":
                subprocess.run(["curl", "-s", "-X", "POST", "-H", "as-api-key: bench-key", "-H", "Content-Type: application/json",
                                "-d", f'{{"tracking_number":"{number}","slug":"jne"}}', f"{base}/tracking/2025-04/trackings"], check=True, capture_output=True)
            fetch = ["curl", "-s", "-X", method, *extra, f"{base}{path.format(n=number)}"]
            if body:
                fetch[2:2] = ["-d", body.format(n=number)]
            fetch_first = subprocess.run(fetch, capture_output=True)
            time.sleep(0.2)
            answer = subprocess.run(fetch, check=True, capture_output=True).stdout
            file = os.path.join(work, f"{preset}.json")
            with open(file, "wb") as handle:
                handle.write(answer)
        finally:
            sim.stop()
        parsed = subprocess.run([PARSER, "--preset", preset, "--body", file, "--number", number, "--data-dir", DATA, "--seconds", seconds],
                                capture_output=True, text=True)
        if parsed.returncode != 0:
            raise RuntimeError(f"lacak-bench --preset {preset}: {parsed.stderr.strip()} (answer: {answer[:300]!r})")
        output = parsed.stdout
        result = json.loads(output)
        rows.append(row(f"parse+normalise: {preset} ({result['events_per_answer']} events, {result['body_bytes']} bytes)",
                        result["lacak_events_per_second"], result["reference_events_per_second"],
                        "events/s (reference: JSONSerialization reading the same body)",
                        result["reference_events_per_second"] / max(1, result["lacak_events_per_second"]), None))
    return rows


# Python's csv module (and openpyxl for the workbook) reading the same export and grouping its
# rows by order: the least a reader of this file must do. Prints seconds (median of 3) and rows.
EXPORT_REFERENCE = r"""
import csv, sys, time
path = sys.argv[1]
def read():
    orders = {}
    if path.endswith(".xlsx"):
        import openpyxl
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        column = header.index("Order ID")
        for row in rows:
            orders.setdefault(str(row[column]).strip(), []).append(row)
    else:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                orders.setdefault(row["Order ID"].strip(), []).append(row)
    return len(orders)
times = []
for _ in range(3):
    started = time.perf_counter()
    count = read()
    times.append(time.perf_counter() - started)
print(sorted(times)[1], count)
"""


def peak_rss(command, env=None, ok=(0,)):
    """Runs a command to completion; (wall seconds, peak RSS in KiB, stdout), the RSS from wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env or bench_env())
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {out[:500]!r}")
    return elapsed, usage.ru_maxrss, out.decode()


def bench_export():
    total = env_int("LACAK_BENCH_EXPORT_ROWS", 50000)
    work = scratch("export")
    rows = []
    for kind in ("csv", "xlsx"):
        path = os.path.join(work, f"OrderSKUList.{kind}")
        (export_file.write_csv if kind == "csv" else export_file.write_xlsx)(path, total)
        size = os.path.getsize(path)
        _, lacak_rss, out = peak_rss([PARSER, "export", "--file", path, "--repeats", "3"])
        lacak = json.loads(out)
        if lacak["problems"]:
            raise RuntimeError(f"lacak-bench export found {lacak['problems']} problems in the generated {kind}")
        _, python_rss, out = peak_rss([sys.executable, "-c", EXPORT_REFERENCE, path])
        python_seconds, python_orders = float(out.split()[0]), int(out.split()[1])
        if python_orders != lacak["orders"]:
            raise RuntimeError(f"{kind}: lacak read {lacak['orders']} orders, the reference {python_orders}")
        reference = "Python's csv.DictReader" if kind == "csv" else "openpyxl (read-only)"
        rows.append(row(f"export intake: {total} rows, {lacak['orders']} orders, {kind} ({size // 1024} KiB), read into records",
                        round(lacak["seconds_median"], 3), round(python_seconds, 3),
                        f"s, median of 3 (reference: {reference} reading and grouping by order)",
                        lacak["seconds_median"] / python_seconds, None,
                        f"the table reader alone: {lacak['table_seconds_median']:.3f} s; the rest is rows into orders, statuses, packages and meta"))
        rows.append(row(f"  … peak memory ({kind})", lacak_rss // 1024, python_rss // 1024, "MiB (process peak RSS)",
                        lacak_rss / python_rss, None))
    # The whole intake: lacakd --check reads the CSV and commits every order, its packages and
    # its notifications to state, and writes the snapshots and notification files.
    csv_path = os.path.join(work, "OrderSKUList.csv")
    daemon = scratch("export-check")
    os.makedirs(os.path.join(daemon, "spool", "incoming"))
    config = os.path.join(daemon, "lacak.toml")
    with open(config, "w") as handle:
        handle.write(f'[daemon]\nspool_dir = "{daemon}/spool"\nstate_dir = "{daemon}/state"\ndata_dir = "{DATA}"\nmax_intake_file_size = "256MiB"\n')
    shutil.copy(csv_path, os.path.join(daemon, "spool", "incoming", "OrderSKUList.csv"))
    # No courier is configured (nothing is polled), so --check exits 1 for the packages no
    # courier polls; the intake line says whether every order was taken.
    seconds, rss, out = peak_rss([LACAKD, "--check", "--config", config], ok=(0, 1))
    if os.listdir(os.path.join(daemon, "spool", "incoming")) or ", 0 rejected" not in out:
        raise RuntimeError(f"lacakd --check did not take the whole export: {out}")
    files = len(os.listdir(os.path.join(daemon, "spool", "orders")))
    rows.append(row(f"  … the whole intake of the csv: lacakd --check into state and spool ({files} snapshots)",
                    round(seconds, 2), "", "s wall, once", 0, None, f"peak RSS {rss // 1024} MiB"))
    return rows


BENCHMARKS = {"latency": bench_latency, "cpu": bench_cpu, "scale": bench_scale, "daemon": bench_daemon, "parse": bench_parse,
              "export": bench_export}


def machine():
    return {"cores": os.cpu_count(), "kernel": platform.release(), "machine": platform.machine(),
            "swift": subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0] if shutil.which("swift") else "",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def print_table(rows):
    header = ("benchmark", "lacak", "reference", "ratio", "target", "unit")
    lines = [header] + [(r["benchmark"], str(r["lacak"]), str(r["reference"]), f"{r['ratio']:.2f}",
                         "" if r["target"] is None else f"≤ {r['target']:.2f}" + ("" if r["met"] else " MISSED"), r["unit"]) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(widths[i]) if i in (0, 5) else cell.rjust(widths[i]) for i, cell in enumerate(line)))


def main():
    global WORK_ROOT
    for binary in (LACAKD, SIM, PARSER):
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is missing; run `swift build -c release` first")
    only = [name for name in os.environ.get("LACAK_BENCH_ONLY", ",".join(BENCHMARKS)).split(",") if name]
    rows = []
    WORK_ROOT = tempfile.mkdtemp(prefix="lacak-bench-")
    failures = []
    try:
        for name in only:
            print(f"== {name}", file=sys.stderr, flush=True)
            try:
                rows += BENCHMARKS[name]()
            except Exception as error:  # one broken benchmark must not hide the others' figures
                failures.append(name)
                print(f"benchmark {name} failed: {error}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(WORK_ROOT, ignore_errors=True)
    print_table(rows)
    with open(os.path.join(ROOT, "bench", "results.json"), "w") as handle:
        json.dump({"machine": machine(), "rows": rows, "failed": failures}, handle, indent=2)
        handle.write("\n")
    if failures:
        sys.exit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
