"""Sidecar benchmark, client side (run by bench/sidecar.mjs): the Python plugin's real code path.

Per decode step: one FILL_BATCH for B rows (mask computation skipped in transport-only mode, included otherwise)
plus the copy of those rows from shared memory into the step's mask; then the per-row accept round trips.
Also the compile round trip (uncached and cached) and the bare PING round trip.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from logitkit_sglang import masks
from logitkit_sglang import protocol as p
from logitkit_sglang.sidecar import Sidecar

GRAMMARS = [
    ("json", '{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},'
             '"tags":{"type":"array","items":{"type":"string"}}},"required":["name","age"]}'),
    ("regex", r"[A-Z][a-z]{2,8} [0-9]{1,4}(\.[0-9]+)?"),
    ("ebnf", 'root ::= item (", " item)*\nitem ::= [a-z]+ | "\\"" [^"]* "\\""'),
]


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def mask_row(mask, i: int) -> bytes:
    if hasattr(mask, "row_bytes_of"):
        return mask.row_bytes_of(i)
    return mask[i].numpy().tobytes()


def pick(row: bytes, seed: int, vocab: int, eos) -> int | None:
    """An allowed non-EOS token found from a pseudo-random start, or None when only EOS is left."""
    n = len(row)
    start = seed % n
    for k in range(n):
        i = (start + k) % n
        b = row[i]
        if b:
            for bit in range(8):
                t = i * 8 + bit
                if b >> bit & 1 and t < vocab and t not in eos:
                    return t
    return None


def bench_batch(sc: Sidecar, handles, batch: int, steps: int, mode: str):
    """mode: 'transport' (no mask computation, no accepts), 'sync' (accepts wait for their replies) or
    'pipelined' (the plugin's path: accepts are posted and travel with the next step's fill)."""
    vocab = sc.vocab_size
    matchers = []
    for i in range(batch):
        g = handles[i % len(handles)]
        matchers.append(sc.call(p.OP_CREATE_MATCHER, p.u32(g) + p.u8(0) + p.u32_array([])).u32())
    rows = list(range(batch))
    mask = masks.allocate(batch, vocab)  # the copy path (no torch): staging slot, then copied into the mask
    fill_us, accept_us, apply_us, step_us, compute_us, write_us = [], [], [], [], [], []
    flags = p.FILL_FLAG_TRANSPORT_ONLY if mode == "transport" else 0

    def check(err, reader):
        if err is not None or reader.u8() != 1:
            raise RuntimeError(f"pipelined accept failed: {err}")

    for step in range(steps):
        t0 = time.perf_counter_ns()
        if masks.torch is not None:
            # The plugin's path with torch: the mask tensor is a view of a ring slot, filled in place.
            buf, base = sc.ring_slot(batch)
            mask = buf.torch_view()[base : base + batch]
            compute, write = sc.fill(buf, matchers, [base + r for r in rows], flags)
        else:
            buf, base = sc.staging(batch)
            compute, write = sc.fill(buf, matchers, [base + r for r in rows], flags)
            masks.copy_rows(buf, base, rows, mask)
        t1 = time.perf_counter_ns()
        fill_us.append((t1 - t0) / 1000)
        compute_us.append(compute)
        write_us.append(write)
        if mode == "transport":
            continue
        picks = [pick(mask_row(mask, i), (step * 7919 + i * 104729), vocab, sc.eos_token_ids) for i in rows]
        t2 = time.perf_counter_ns()
        for m, token in zip(matchers, picks):
            if token is None:
                sc.call(p.OP_RESET_MATCHER, p.u32(m))
            elif mode == "pipelined":
                sc.post(p.OP_ACCEPT_TOKEN, p.u32(m) + p.i32(token), check)
            else:
                sc.call(p.OP_ACCEPT_TOKEN, p.u32(m) + p.i32(token))
        t3 = time.perf_counter_ns()
        if mode == "pipelined":
            sc.call(p.OP_PING)  # drains the posted accepts, so the next fill is timed alone
        t4 = time.perf_counter_ns()
        accept_us.append((t3 - t2) / 1000)
        apply_us.append((t4 - t3) / 1000)
        step_us.append((t1 - t0 + t4 - t2) / 1000)
    sc.call(p.OP_FREE_MATCHERS, p.u32_array(matchers))
    # Transport = everything in the step's fill except computing the masks (round trip, shm write, copy-out).
    transport_us = [f - c for f, c in zip(fill_us, compute_us)]
    return {
        "fill": fill_us,
        "accept": accept_us,
        "apply": apply_us,
        "step": step_us,
        "compute": compute_us,
        "write": write_us,
        "transport": transport_us,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="llama-3.1")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batches", default="1,16,64,256")
    args = ap.parse_args()
    t = time.perf_counter()
    sc = Sidecar(preset=args.preset)
    result = {
        "startup_ms": (time.perf_counter() - t) * 1000,
        "vocab_size": sc.vocab_size,
        "mask_path": "torch view of shared memory (no copy)" if masks.torch is not None else "copy into bytearray",
        "python": sys.version.split()[0],
        "batches": {},
    }
    try:
        ping = []
        for _ in range(2000):
            t0 = time.perf_counter_ns()
            sc.call(p.OP_PING)
            ping.append((time.perf_counter_ns() - t0) / 1000)
        result["ping_us"] = {"p50": pct(ping, 0.5), "p99": pct(ping, 0.99)}
        handles = [sc.compile(k, s)[0] for k, s in GRAMMARS]
        uncached, sidecar_ms, cached = [], [], []
        for n in range(40):
            key = f'{{"type":"object","properties":{{"f{n}":{{"type":"integer"}},"g":{{"type":"string"}}}}}}'
            t0 = time.perf_counter_ns()
            _, ms, hit = sc.compile("json", key)
            uncached.append((time.perf_counter_ns() - t0) / 1e6)
            sidecar_ms.append(ms)
            t0 = time.perf_counter_ns()
            sc.compile("json", key)
            cached.append((time.perf_counter_ns() - t0) / 1e6)
        result["compile_ms"] = {
            "uncached_round_trip_p50": statistics.median(uncached),
            "uncached_in_sidecar_p50": statistics.median(sidecar_ms),
            "cached_round_trip_p50": statistics.median(cached),
        }
        for b in [int(x) for x in args.batches.split(",")]:
            steps = max(20, args.steps if b <= 64 else args.steps // 4)
            noop = bench_batch(sc, handles, b, steps, "transport")
            real = bench_batch(sc, handles, b, max(10, steps // 4), "pipelined")
            sync = bench_batch(sc, handles, b, max(10, steps // 8), "sync")
            result["batches"][b] = {
                "transport_only_us": {"p50": pct(noop["fill"], 0.5), "p99": pct(noop["fill"], 0.99)},
                "transport_only_write_us": {"p50": pct(noop["write"], 0.5)},
                "with_masks_us": {"p50": pct(real["fill"], 0.5), "p99": pct(real["fill"], 0.99)},
                "mask_compute_us": {"p50": pct(real["compute"], 0.5)},
                "transport_with_masks_us": {"p50": pct(real["transport"], 0.5), "p99": pct(real["transport"], 0.99)},
                "pipelined_accepts_us": {"p50": pct(real["accept"], 0.5)},
                "accepts_applied_us": {"p50": pct(real["apply"], 0.5)},
                "step_us": {"p50": pct(real["step"], 0.5), "p99": pct(real["step"], 0.99)},
                "sync_accepts_us": {"p50": pct(sync["accept"], 0.5)},
            }
    finally:
        sc.close()
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
