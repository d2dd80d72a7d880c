"""Sidecar benchmark, client side (run by bench/sidecar.mjs): the Python plugin's own client code against a sidecar
started from this checkout.

Per decode step of a batch of B requests, the plugin's own SGLang methods in the order SGLang's scheduler calls
them (`run_plugin_walk`; without torch the mask is a memoryview of the shared buffer instead of a tensor view):
`allocate_vocab_mask` (a ring slot of the shared buffer, no copy), `fill_vocab_mask_batched` (one FILL_BATCH for the
B rows), `move_vocab_mask`, the slot released (SGLang applied the mask), then `accept_token` for each request (checked
against its mask row and posted: the step's accepts travel as one frame with the next FILL_BATCH). `--no-plugin`
walks with the Sidecar calls directly, as this bench did before 2026-12-07 (less Python work per request than the
plugin does). Requests replay real token sequences (JSON instances of several schemas,
tokenized by bench/sidecar.mjs with the Llama-3.1 tokenizer), staggered so the batch mixes positions.

Definitions (microseconds per step):
- fill: wall time from allocating the mask until it is ready to apply (one FILL_BATCH, which also carries the
  previous step's posted accepts and frees); post: the step's accept_token calls.
- compute: the sidecar's time inside the matchers' fillNextTokenBitmask for this fill, i.e. the mask computation an
  in-process engine would do for the same matchers; accept: the sidecar's time inside acceptToken for the accepts
  this fill carried.
- transport = fill + posting the previous step's accepts - compute - accept: everything the plugin/sidecar split
  adds on top of the engine's own work (framing, syscalls, socket round trip, parsing, row comparison, shm write).
- worst case: transport-only FILL_BATCH (no computation, every row written as if all had changed), no accepts.
CPU time per step, read from the kernel, moves much less with the machine's load than wall time: the Python side
(process_time) does no engine work, so all of its CPU time is transport; in the worst case neither process does
engine work, so Python's CPU plus the sidecar's main thread (schedstat; the thread running the protocol) is the
transport's CPU cost. (In the walk the sidecar's CPU also holds the engine's, and its GC threads, so it is not
split.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from logitkit_sglang import protocol as p
from logitkit_sglang.sidecar import Sidecar


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def summary(values):
    return {"p50": pct(values, 0.5), "p90": pct(values, 0.9), "p99": pct(values, 0.99), "mean": statistics.fmean(values)}


def step_summary(fill, post, compute, accept, transport, written, batch, cpu_py, cpu_sc):
    """The per-step figures of one walk, as the bench prints them (times in µs)."""
    return {
        "fill_us": summary(fill),
        "post_us": summary(post),
        "compute_us": summary(compute),
        "accept_us": summary(accept),
        "transport_us": summary(transport),
        "rows_written_fraction": sum(written) / (batch * len(written)),
        "cpu_python_us": cpu_py,
        "cpu_sidecar_main_us": cpu_sc,
    }


def sidecar_cpu_ns(pid: int) -> int:
    """CPU time of the sidecar's main thread so far (nanoseconds, /proc/PID/task/PID/schedstat; 0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return 0


class Walker:
    """B requests replaying token sequences; a finished sequence ends with EOS and restarts on a fresh matcher."""

    def __init__(self, sc: Sidecar, grammars, walks, batch: int):
        self.sc = sc
        self.grammars = grammars
        self.walks = walks
        self.eos = sc.eos_token_ids[0]
        self.requests = []
        for i in range(batch):
            w = i % len(walks)
            self.requests.append([self._matcher(w), w, (i * 7) % (len(walks[w]["tokens"]) + 1)])
        # Fast-forward the staggered starts (untimed).
        for req in self.requests:
            for t in self.walks[req[1]]["tokens"][: req[2]]:
                sc.call(p.OP_ACCEPT_TOKEN, p.u32(req[0]) + p.i32(t))

    def _matcher(self, w: int) -> int:
        g = self.grammars[self.walks[w]["grammar"]]
        return self.sc.call(p.OP_CREATE_MATCHER, p.u32(g) + p.u8(0) + p.u32_array([])).u32()

    def handles(self):
        return [r[0] for r in self.requests]

    def post_accepts(self, status: bytes, owner, check_reset) -> None:
        """Posts each request's next token (EOS after the last) the way the plugin does (batched into one
        ACCEPT_TOKENS frame that travels with the next fill); restarts requests that were terminated. The restarts
        are posted after the step's accepts, as a new request joins after the batch's accepts: a request posted
        in between would split the step's ACCEPT_TOKENS frame in two."""
        restarted = []
        for i, req in enumerate(self.requests):
            if status[i] & p.ROW_TERMINATED:
                restarted.append(req)
                continue
            tokens = self.walks[req[1]]["tokens"]
            token = tokens[req[2]] if req[2] < len(tokens) else self.eos
            self.sc.post_accept(req[0], token, owner)
            req[2] += 1
        for req in restarted:
            self.sc.post(p.OP_RESET_MATCHER, p.u32(req[0]), check_reset)
            req[2] = 0

    def free(self) -> None:
        self.sc.call(p.OP_FREE_MATCHERS, p.u32_array(self.handles()))


def plugin_backend():
    """The plugin's SGLang-facing module: with SGLang's base classes when SGLang is installed, else with the tests'
    minimal stand-in for them (python/tests/stub_sglang; the plugin code is the same)."""
    try:
        from logitkit_sglang import backend
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "tests" / "stub_sglang"))
        from logitkit_sglang import backend
    return backend


def busy_wait_us(us: float) -> None:
    """The scheduler's own CPU work between a step's accepts and the next fill (batch scheduling, launching the
    forward pass): Python keeps its core busy meanwhile."""
    if us > 0:
        deadline = time.perf_counter_ns() + int(us * 1000)
        while time.perf_counter_ns() < deadline:
            pass


def run_plugin_walk(sc: Sidecar, spec_grammars, walks, batch: int, steps: int, ahead: bool = False, gap_us: float = 0):
    """The walk through the plugin's SGLang methods, exactly as SGLang's scheduler calls them per decode step:
    ``allocate_vocab_mask`` (a ring-slot view), ``fill_vocab_mask_batched`` (one FILL_BATCH, or rows the plugin's
    fill ahead already wrote), ``move_vocab_mask``, the slot released as by ``apply_vocab_mask`` (which itself needs
    torch) before sampling, then ``accept_token`` per request (checked against the mask row, posted, sent with the
    next fill; with ``ahead`` the step's last accept also sends FILL_AHEAD), then ``gap_us`` of Python CPU work
    (untimed; SGLang's non-overlap scheduler schedules the next batch and launches its forward pass there). A
    request whose walk ended accepts EOS and leaves the batch, later rows move up (SGLang's filter_batch) and a new
    request on the same walk joins at the end (``copy()`` of the compiled grammar; its matcher is created at
    admission, untimed); the finished one's matcher is freed with the next call (timed)."""
    b = plugin_backend()
    b.FILL_AHEAD = ahead
    sc.ahead = None
    be = b.LogitkitGrammarBackend(sc, sc.vocab_size)
    templates = [be._dispatch(g["keyType"], g["key"]) for g in spec_grammars]
    eos = sc.eos_token_ids[0]
    reqs = []
    for i in range(batch):
        w = i % len(walks)
        g = templates[walks[w]["grammar"]].copy()
        pos = (i * 7) % (len(walks[w]["tokens"]) + 1)
        for t in walks[w]["tokens"][:pos]:  # staggered starts (untimed)
            g.accept_token(t)
        reqs.append([g, w, pos])
    fill, post, compute, accept, transport, written = [], [], [], [], [], []
    last_post = 0.0
    warmup = min(20, steps // 5)
    cpu_py = cpu_admit = 0
    rows = list(range(batch))
    ready = 0
    for step in range(steps + warmup):
        if step == warmup:
            cpu_py = time.process_time_ns()
            hits0 = getattr(sc, "ahead_hits", 0)
        sc.fill_log = log = []
        t0 = time.perf_counter_ns()
        mask = reqs[0][0].allocate_vocab_mask(sc.vocab_size, batch, "cpu")
        b.LogitkitGrammar.fill_vocab_mask_batched([(rows[i], r[0]) for i, r in enumerate(reqs)], mask)
        mask = b.LogitkitGrammar.move_vocab_mask(mask, "cpu")
        t1 = time.perf_counter_ns()
        sc.fill_log = None
        if not log:  # a plugin without fill_log (an older checkout run with this bench)
            log = [sc.last_fill]
        # This step's masks may come from a fill ahead (sent with the previous step's last accept) plus a
        # FILL_BATCH for the other rows: the engine time of both is the in-process equivalent.
        result = (
            sum(x.compute_us for x in log),
            sum(x.accept_us for x in log),
            sum(x.rows_written for x in log),
        )
        b._release(mask)  # what apply_vocab_mask does after applying the mask to the logits (before sampling)
        # Untimed: a new request for each one whose walk ends this step (it accepts EOS below). SGLang admits
        # new requests with a prefill step of their own, whose fill creates their matcher; here that matcher is
        # created now, before this step's accepts (so no fill ahead is in flight while we wait for it).
        admit = time.process_time_ns()
        joined = [
            [templates[walks[r[1]]["grammar"]].copy(), r[1], 0] for r in reqs if r[2] >= len(walks[r[1]]["tokens"])
        ]
        for r in joined:
            r[0]._live_matcher()
        if joined:
            sc.call(p.OP_PING)
        cpu_admit += time.process_time_ns() - admit if step >= warmup else 0
        t1b = time.perf_counter_ns()
        for r in reqs:
            tokens = walks[r[1]]["tokens"]
            r[0].accept_token(tokens[r[2]] if r[2] < len(tokens) else eos)
            r[2] += 1
        t2 = time.perf_counter_ns()
        admit = time.process_time_ns()
        busy_wait_us(gap_us)
        if joined:
            # SGLang's filter_batch drops finished requests (later rows move up); the new ones join at the end
            # (merge_batch).
            reqs = [r for r in reqs if not r[0].is_terminated()] + joined
        cpu_admit += time.process_time_ns() - admit if step >= warmup else 0
        if step >= warmup:
            f = (t1 - t0) / 1000
            fill.append(f)
            compute.append(result[0])
            accept.append(result[1])
            written.append(result[2])
            transport.append(f + last_post - result[0] - result[1])
            post.append((t2 - t1b) / 1000)
        last_post = (t2 - t1b) / 1000
    # admissions and the modelled gap are not transport
    cpu_py = (time.process_time_ns() - cpu_py - cpu_admit) / 1000 / steps
    reqs.clear()
    sc.call(p.OP_PING)  # drain the last posted accepts and frees
    result = step_summary(fill, post, compute, accept, transport, written, batch, cpu_py, 0)
    result["ahead_ready_fraction"] = (getattr(sc, "ahead_hits", 0) - hits0) / steps
    return result


def run_batch(sc: Sidecar, grammars, walks, batch: int, steps: int, transport_only: bool):
    walker = Walker(sc, grammars, walks, batch)
    handles = walker.handles()
    flags = p.FILL_FLAG_TRANSPORT_ONLY if transport_only else 0
    failures = []

    class Owner:
        @staticmethod
        def accept_failed(token, result, error):
            failures.append(f"token {token} not accepted ({result}, {error})")

    def check_reset(err, reader):
        if err is not None:
            failures.append(str(err))

    fill, post, compute, accept, transport, written = [], [], [], [], [], []
    last_post = 0.0
    warmup = min(20, steps // 5)
    cpu_py = cpu_sc = 0
    for step in range(steps + warmup):
        if step == warmup:
            cpu_py, cpu_sc = time.process_time_ns(), sidecar_cpu_ns(sc.pid)
        t0 = time.perf_counter_ns()
        buf, base = sc.ring_slot(batch)
        result = sc.fill(buf, handles, range(base, base + batch), flags)
        t1 = time.perf_counter_ns()
        if not transport_only:
            walker.post_accepts(result.status, Owner, check_reset)
        t2 = time.perf_counter_ns()
        sc.release_slot(buf, base)
        if step >= warmup:
            f = (t1 - t0) / 1000
            fill.append(f)
            compute.append(result.compute_us)
            accept.append(result.accept_us)
            written.append(result.rows_written)
            transport.append(f + last_post - result.compute_us - result.accept_us)
            post.append((t2 - t1) / 1000)
        last_post = (t2 - t1) / 1000
    cpu_py = (time.process_time_ns() - cpu_py) / 1000 / steps
    cpu_sc = (sidecar_cpu_ns(sc.pid) - cpu_sc) / 1000 / steps
    sc.call(p.OP_PING)  # drain the last posted accepts
    walker.free()
    if failures:
        raise RuntimeError(f"walk failed: {failures[:3]}")
    return step_summary(fill, post, compute, accept, transport, written, batch, cpu_py, cpu_sc)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--walks", required=True, help="JSON from bench/sidecar.mjs: grammars and token sequences")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batches", default="1,16,64,256")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--no-plugin",
        dest="plugin",
        action="store_false",
        help="walk with the client calls of earlier versions of this bench (Sidecar.fill / post_accept directly) "
        "instead of the plugin's SGLang methods",
    )
    ap.add_argument(
        "--gap-us",
        type=float,
        default=0,
        help="CPU work (busy wait, microseconds) between a step's accepts and the next fill: 0 = SGLang's overlap "
        "scheduler (the next masks are filled right after the accepts); the non-overlap scheduler schedules the "
        "next batch and launches its forward pass in between",
    )
    ap.add_argument(
        "--fill-ahead",
        choices=("off", "on", "both"),
        default="both",
        help="plugin walk with the plugin's fill ahead off (every fill a FILL_BATCH round trip), on, or both",
    )
    args = ap.parse_args()
    with open(args.walks) as f:
        spec = json.load(f)
    t = time.perf_counter()
    sc = Sidecar(preset="llama-3.1")
    result = {
        "startup_ms": (time.perf_counter() - t) * 1000,
        "vocab_size": sc.vocab_size,
        "python": sys.version.split()[0],
        "gap_us": args.gap_us,
        "batches": {},
    }
    try:
        ping = []
        for _ in range(2000):
            t0 = time.perf_counter_ns()
            sc.call(p.OP_PING)
            ping.append((time.perf_counter_ns() - t0) / 1000)
        result["ping_us"] = summary(ping)
        grammars = [sc.compile(g["keyType"], g["key"])[0] for g in spec["grammars"]]
        uncached, sidecar_ms, cached = [], [], []
        for n in range(40):
            key = f'{{"type":"object","properties":{{"f{n}":{{"type":"integer"}},"g":{{"type":"string"}}}}}}'
            t0 = time.perf_counter_ns()
            _, ms, _ = sc.compile("json", key)
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
            steps = args.steps if b <= 64 else max(40, args.steps // 4)
            modes = {"off": [False], "on": [True], "both": [False, True]}[args.fill_ahead] if args.plugin else [False]
            runs = []
            for _ in range(args.repeat):
                run = {}
                for ahead in modes:
                    run["walk_ahead" if ahead else "walk"] = (
                        run_plugin_walk(sc, spec["grammars"], spec["walks"], b, steps, ahead, args.gap_us)
                        if args.plugin
                        else run_batch(sc, grammars, spec["walks"], b, steps, False)
                    )
                run["worst"] = run_batch(sc, grammars, spec["walks"], b, steps, True)
                runs.append(run)
            result["batches"][b] = {"steps": steps, "runs": runs}
    finally:
        sc.close()
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
