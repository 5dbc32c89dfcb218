#!/usr/bin/env bash
# fio 4 KiB random reads at queue depth 1 and 32 against ParaIo's NBD export of a 64 MiB
# MemoryBlockDevice and, in the same run, against `nbdkit memory 64M`: the baseline.
# Both exports are filled with random data first, so reads copy real bytes.
#
# usage: tests/ParaIo.Nbd.Tests/Figure/fio-randread.sh [RUNTIME_SECONDS]   (default 10)
set -euo pipefail

runtime="${1:-10}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/paraio-nbd-figure.XXXXXX)"
paraio_sock="$work/paraio.sock"
nbdkit_sock="$work/nbdkit.sock"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$here/nbd-serve-memory.cs" -c Release -o "$work/bin" >/dev/null
dotnet "$work/bin/nbd-serve-memory.dll" "$paraio_sock" 64 >"$work/paraio.log" 2>&1 &
pids+=($!)
nbdkit --foreground --unix "$nbdkit_sock" memory 64M &
pids+=($!)

for sock in "$paraio_sock" "$nbdkit_sock"; do
    for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.1; done
    fio --name=fill --ioengine=nbd --uri="nbd+unix:///?socket=$sock" --rw=write --bs=1M --iodepth=4 \
        --size=64M --refill_buffers --output=/dev/null
done

run() { # name socket iodepth
    fio --name="$1-qd$3" --ioengine=nbd --uri="nbd+unix:///?socket=$2" --rw=randread --bs=4k \
        --iodepth="$3" --size=64M --invalidate=0 --time_based --runtime="$runtime" --ramp_time=2 \
        --output-format=json 2>/dev/null | sed -n '/^{/,$p' | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
read = job["read"]
name, iops, mean = job["jobname"], read["iops"], read["clat_ns"]["mean"] / 1000
err = job["error"]
p99 = read["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000
print(f"{name:<12} {iops:>10.0f} IOPS   mean {mean:7.1f} us   p99 {p99:7.1f} us   errors {err}")'
}

echo "fio $(fio --version | sed 's/fio-//'), nbdkit $(nbdkit --version | cut -d' ' -f2), $(nproc) CPUs, ${runtime} s per run"
for depth in 1 32; do
    run paraio "$paraio_sock" "$depth"
    run nbdkit "$nbdkit_sock" "$depth"
done
