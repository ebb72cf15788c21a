#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/ with AddressSanitizer and runs each for
# SECONDS (first argument, default 60) on its seed corpus. Prints executions per target, keeps
# crash inputs in .build-fuzz/crashes/<target>/ and exits 1 when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(FuzzConfig FuzzMapping FuzzSeventeenTrack FuzzAfterShip FuzzExecPlugin FuzzIntake FuzzDetect FuzzTime)
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<< "$FUZZ_TARGETS"; fi
scratch=.build-fuzz
export LACAK_FUZZ=1
# Leaks inside TOMLKit are known and not ours (see the file); any other leak fails the run.
export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0"
mkdir -p "$scratch"
for target in "${targets[@]}"; do
    # The sanitizer runtime makes the linker warn about every symbol it cannot export; keep the
    # noise in a log and show it only when the build fails.
    if ! swift build --sanitize=fuzzer --sanitize=address --scratch-path "$scratch" --product "$target" > "$scratch/build.log" 2>&1; then
        grep -v "ld.gold: warning: Cannot export local symbol" "$scratch/build.log" | tail -40
        exit 1
    fi
done
bin=$(swift build --sanitize=fuzzer --sanitize=address --scratch-path "$scratch" --show-bin-path)
report=$scratch/fuzz-report.json
echo "[" > "$report"
failed=0
total=0
for target in "${targets[@]}"; do
    corpus=$scratch/corpus/$target
    crashes=$scratch/crashes/$target
    mkdir -p "$corpus" "$crashes"
    log=$scratch/$target.log
    status=0
    # The working corpus grows in .build-fuzz; the seeds in Fuzz/corpus stay as committed.
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="$crashes/" "$corpus" "Fuzz/corpus/$target" > "$log" 2>&1 || status=$?
    # "Done N runs" ends a clean run; a crashed one is counted from its last status line.
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\)\t.*/\1/p' "$log" | tail -1)
    runs=${runs:-0}
    found=$(find "$crashes" -type f | wc -l)
    total=$((total + runs))
    printf '%-20s %10s runs in %ss, exit %s, %s crash input(s)\n' "$target" "$runs" "$seconds" "$status" "$found"
    [ "$target" = "${targets[0]}" ] || echo "," >> "$report"
    printf '{"target": "%s", "runs": %s, "seconds": %s, "exit": %s, "crashes": %s}\n' "$target" "$runs" "$seconds" "$status" "$found" >> "$report"
    if [ "$status" != 0 ] || [ "$found" != 0 ]; then
        failed=1
        tail -40 "$log"
    fi
done
echo "]" >> "$report"
echo "fuzz: $total executions in total; report in $report"
exit $failed
