"""``python3 -m logitkit_sglang --check``: an end-to-end self-test of the sidecar round trip.

Starts the sidecar (this checkout's build, or ``logitkit`` on PATH), compiles a JSON schema, a regex and an EBNF
grammar, fills one batched mask through shared memory, and compares every row bit for bit with a mask the sidecar
computes for a fresh matcher. Needs neither SGLang nor torch. Exit status 0 only if everything round-tripped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from . import protocol as p
from .sidecar import CHECKOUT_MAIN, REPO_ROOT, Sidecar, SidecarUnavailable

CHECK_GRAMMARS = [
    (
        "json",
        '{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},'
        '"required":["name","age"],"additionalProperties":false}',
    ),
    ("regex", r"\d{3}-[a-z]+"),
    ("ebnf", 'root ::= "yes" | "no" | "maybe " [0-9]+'),
]


def _allowed(row: bytes, vocab_size: int):
    return [t for t in range(vocab_size) if row[t >> 3] >> (t & 7) & 1]


def _ensure_built(out) -> None:
    if (
        os.environ.get("LOGITKIT_SIDECAR_COMMAND")
        or CHECKOUT_MAIN.is_file()
        or not (REPO_ROOT / "package.json").is_file()
    ):
        return
    npm = shutil.which("npm")
    if not npm:
        raise SidecarUnavailable(f"{CHECKOUT_MAIN} is missing and npm is not on PATH: run `npm run build` in {REPO_ROOT}")
    print(f"build: {CHECKOUT_MAIN} is missing, running `npm run build` in {REPO_ROOT} ...", file=out, flush=True)
    done = subprocess.run([npm, "run", "build"], cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SidecarUnavailable("`npm run build` failed:\n" + (done.stdout + done.stderr)[-3000:])


def run_check(preset: str = "llama-3.1", tokenizer: str | None = None, out=sys.stdout) -> bool:
    """Runs the self-test, printing one line per step; True if every step passed."""
    ok = True

    def step(name: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok = ok and passed
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}", file=out, flush=True)

    _ensure_built(out)
    t0 = time.perf_counter()
    sidecar = Sidecar(preset=None if tokenizer else preset, tokenizer_path=tokenizer)
    try:
        step(
            "sidecar",
            True,
            f"pid {sidecar.pid}, version {sidecar.sidecar_version}, {sidecar.description}, "
            f"EOS {sidecar.eos_token_ids}, ready in {(time.perf_counter() - t0) * 1000:.0f} ms",
        )
        vocab = sidecar.vocab_size
        handles = []
        for key_type, key in CHECK_GRAMMARS:
            t = time.perf_counter()
            try:
                handle, compile_ms, _ = sidecar.compile(key_type, key)
            except p.SidecarError as exc:
                step(f"compile {key_type}", False, exc.message)
                return False
            handles.append(handle)
            step(
                f"compile {key_type}",
                True,
                f"{compile_ms:.2f} ms in the sidecar, {(time.perf_counter() - t) * 1000:.2f} ms round trip",
            )
        try:
            sidecar.compile("json", '{"type": "object", "properties": {"a": {"type": "strin')
            step("invalid grammar", False, "a truncated schema compiled without error")
        except p.SidecarError as exc:
            step("invalid grammar", exc.code == p.ERR_COMPILE_ERROR, f"reported as: {exc.message[:120]}")

        matchers = [
            sidecar.call(p.OP_CREATE_MATCHER, p.u32(h) + p.u8(0) + p.u32_array([])).u32() for h in handles
        ]
        rows = list(range(len(matchers)))
        histories = [[] for _ in matchers]
        for round_name in ("initial", "after one token", "after rollback"):
            t = time.perf_counter()
            buffer, base = sidecar.staging(len(rows))
            sidecar.fill(buffer, matchers, [base + r for r in rows])
            fill_ms = (time.perf_counter() - t) * 1000
            details = []
            for i, (handle, (key_type, _)) in enumerate(zip(handles, CHECK_GRAMMARS)):
                row = bytes(buffer.row(base + i))
                ref = sidecar.call(p.OP_REFERENCE_MASK, p.u32(handle) + p.u32_array(histories[i]))
                expected = ref.raw(ref.u32())
                allowed = _allowed(row, vocab)
                good = row == expected and 0 < len(allowed) < vocab
                ok = ok and good
                details.append(f"{key_type} {len(allowed)} allowed{'' if good else ' MISMATCH'}")
            step(f"batched fill ({round_name})", all("MISMATCH" not in d for d in details),
                 f"{len(rows)} rows in {fill_ms:.2f} ms; " + ", ".join(details))
            if round_name == "initial":
                for i, m in enumerate(matchers):
                    row = bytes(buffer.row(base + i))
                    first = next(t for t in _allowed(row, vocab) if t not in sidecar.eos_token_ids)
                    r = sidecar.call(p.OP_ACCEPT_TOKEN, p.u32(m) + p.i32(first))
                    accepted = r.u8() == 1
                    step(f"accept token {first} ({CHECK_GRAMMARS[i][0]})", accepted, "accepted" if accepted else "rejected")
                    histories[i].append(first)
            elif round_name == "after one token":
                for i, m in enumerate(matchers):
                    sidecar.call(p.OP_ROLLBACK, p.u32(m) + p.u32(1))
                    histories[i].pop()
        bad = sidecar.call(p.OP_ACCEPT_TOKEN, p.u32(matchers[1]) + p.i32(sidecar.eos_token_ids[0])).u8()
        step("reject EOS before the regex is complete", bad == 0, "rejected" if bad == 0 else "accepted")
    finally:
        sidecar.close()
    print(f"{'PASS' if ok else 'FAIL'}: logitkit sidecar round trip", file=out, flush=True)
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m logitkit_sglang", description=__doc__)
    parser.add_argument("--check", action="store_true", help="run the end-to-end self-test")
    parser.add_argument("--preset", default="llama-3.1", help="tokenizer preset for --check (default llama-3.1)")
    parser.add_argument("--tokenizer", help="model directory or tokenizer.json for --check instead of --preset")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 2
    try:
        return 0 if run_check(args.preset, args.tokenizer) else 1
    except SidecarUnavailable as exc:
        print(f"FAIL sidecar: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
