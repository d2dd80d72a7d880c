"""Worst-case sidecar transport with one loop that runs against any protocol version (v1 and v2 alike), for
before/after comparisons across commits: `PYTHONPATH=python python3 bench/sidecar_transport_only.py` from a
built checkout (`git worktree add /tmp/old COMMIT` for an older one).

Per batch size B: B matchers over eight regexes; warm-up fills with real masks (so the rows hold distinct
contents), then timed transport-only FILL_BATCH calls (no mask computation, every row written) through ring-slot
views of the shared buffer (no copy). Prints one JSON line: per batch the wall p50 (µs) and the CPU time per step
[Python process, sidecar (all threads)] in µs.
"""

import glob
import json
import statistics
import time

from logitkit_sglang import protocol as p
from logitkit_sglang.sidecar import Sidecar


def sidecar_cpu_ns(pid: int) -> int:
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with open(path) as f:
            total += int(f.read().split()[0])
    return total


def main() -> None:
    sc = Sidecar(preset="llama-3.1")
    grammars = [sc.compile("regex", f"[a-z]{{{k}}}x[0-9]+")[0] for k in range(1, 9)]
    out = {}
    try:
        for batch in (1, 16, 64, 256):
            matchers = [
                sc.call(p.OP_CREATE_MATCHER, p.u32(grammars[i % 8]) + p.u8(0) + p.u32_array([])).u32()
                for i in range(batch)
            ]
            steps = 400 if batch <= 64 else 150
            for _ in range(30):  # real masks first: distinct row contents, as in decoding
                buf, base = sc.ring_slot(batch)
                sc.fill(buf, matchers, list(range(base, base + batch)), 0)
            wall = []
            py0, sc0 = time.process_time_ns(), sidecar_cpu_ns(sc.pid)
            for _ in range(steps):
                t = time.perf_counter_ns()
                buf, base = sc.ring_slot(batch)
                sc.fill(buf, matchers, list(range(base, base + batch)), p.FILL_FLAG_TRANSPORT_ONLY)
                wall.append((time.perf_counter_ns() - t) / 1000)
                if hasattr(sc, "release_slot"):  # v2: the mask was consumed
                    sc.release_slot(buf, base)
            cpu = [(time.process_time_ns() - py0) / 1000 / steps, (sidecar_cpu_ns(sc.pid) - sc0) / 1000 / steps]
            out[batch] = {"p50": statistics.median(wall), "cpu": cpu}
            sc.call(p.OP_FREE_MATCHERS, p.u32_array(matchers))
    finally:
        sc.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
