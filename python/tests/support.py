"""Shared test setup: the SGLang stand-in on sys.path, one real sidecar per test run, the decode-walk policy."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUB = HERE / "stub_sglang"
CASES = json.loads((HERE / "cases.json").read_text())


def use_stub_sglang() -> None:
    if str(STUB) not in sys.path:
        sys.path.insert(0, str(STUB))


def pick(allowed, eos_ids, step: int) -> int:
    """Deterministic token choice shared with test/sglang-backend/python-plugin.test.ts: EOS when allowed,
    otherwise a pseudo-random allowed token."""
    for t in allowed:
        if t in eos_ids:
            return t
    return allowed[(step * 7919 + 13) % len(allowed)]


def row_bytes(mask, row: int) -> bytes:
    """Row ``row`` of a mask as bytes: a torch tensor (the plugin's path when torch is installed) or the
    bytearray-backed stand-in."""
    if hasattr(mask, "row_bytes_of"):
        return mask.row_bytes_of(row)
    return mask[row].contiguous().numpy().tobytes()


def allowed_tokens(row: bytes, vocab_size: int):
    out = []
    for i, b in enumerate(row):
        if b:
            for bit in range(8):
                if b >> bit & 1:
                    t = i * 8 + bit
                    if t < vocab_size:
                        out.append(t)
    return out


def load_reference():
    """The masks logitkit computed in-process (written by the vitest runner), or None when run standalone."""
    path = os.environ.get("LOGITKIT_REFERENCE_MASKS")
    if not path:
        return None
    data = json.loads(Path(path).read_text())
    for case in data["cases"]:
        for step in case.get("steps", []):
            step["mask"] = base64.b64decode(step["mask"])
    return {c["name"]: c for c in data["cases"]}
