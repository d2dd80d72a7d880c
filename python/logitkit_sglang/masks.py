"""Token bitmasks on the Python side: torch tensors when torch is installed, a small bytearray-backed stand-in
otherwise (enough for tests and ``--check``; applying masks to logits needs torch)."""

from __future__ import annotations

from typing import Sequence

from .mask_buffer import MaskBuffer

try:  # torch is optional: SGLang always has it, tests and --check do not need it
    import torch
except ImportError:  # pragma: no cover - exercised where torch is absent
    torch = None


def words_for(vocab_size: int) -> int:
    return (vocab_size + 31) // 32


class HostBitmask:
    """``rows × words`` int32 words, layout identical to xgrammar's bitmask tensor: a bytearray of its own, or
    (``over``) a writable view of the shared mask buffer, so the sidecar's rows land in it with no copy."""

    def __init__(self, rows: int, words: int, data=None):
        self.rows = rows
        self.words = words
        self.row_bytes = words * 4
        self.data = bytearray(b"\xff" * (rows * self.row_bytes)) if data is None else data
        #: Set by the plugin when the mask views shared-buffer rows (see backend._MaskView).
        self.view = None

    @classmethod
    def over(cls, buffer, offset: int, rows: int, words: int) -> "HostBitmask":
        """A mask viewing ``rows`` rows of ``buffer`` (e.g. the mmap) from byte ``offset``, without copying."""
        return cls(rows, words, memoryview(buffer)[offset : offset + rows * words * 4])

    @property
    def shape(self):
        return (self.rows, self.words)

    def row_bytes_of(self, row: int) -> bytes:
        return bytes(self.data[row * self.row_bytes : (row + 1) * self.row_bytes])

    def is_allowed(self, row: int, token: int) -> bool:
        byte = self.data[row * self.row_bytes + (token >> 3)]
        return (byte >> (token & 7)) & 1 == 1

    def allowed_tokens(self, row: int, vocab_size: int):
        base = row * self.row_bytes
        out = []
        for i in range(self.row_bytes):
            b = self.data[base + i]
            if b:
                for bit in range(8):
                    if b >> bit & 1:
                        t = i * 8 + bit
                        if t < vocab_size:
                            out.append(t)
        return out


def allocate(batch_size: int, vocab_size: int):
    """A fresh all-allowed mask (xgrammar's ``allocate_token_bitmask``)."""
    if torch is not None:
        return torch.full((batch_size, words_for(vocab_size)), -1, dtype=torch.int32)
    return HostBitmask(batch_size, words_for(vocab_size))


def copy_rows(buffer: MaskBuffer, src_base: int, rows: Sequence[int], vocab_mask) -> None:
    """Copies shared-buffer rows ``src_base + r`` into rows ``r`` of ``vocab_mask``."""
    if not rows:
        return
    if isinstance(vocab_mask, HostBitmask):
        rb = buffer.row_bytes
        if rb != vocab_mask.row_bytes:
            raise ValueError(f"mask rows are {vocab_mask.row_bytes} bytes, the sidecar writes {rb}")
        view = memoryview(buffer.map)
        for lo, hi in _runs(rows):
            vocab_mask.data[lo * rb : hi * rb] = view[(src_base + lo) * rb : (src_base + hi) * rb]
        return
    if torch is None:
        raise TypeError(f"unsupported vocab mask type {type(vocab_mask).__name__}")
    src = buffer.torch_view()
    if vocab_mask.shape[-1] != src.shape[1]:
        raise ValueError(f"mask rows have {vocab_mask.shape[-1]} words, the sidecar writes {src.shape[1]}")
    for lo, hi in _runs(rows):
        vocab_mask[lo:hi].copy_(src[src_base + lo : src_base + hi])


def set_rows_to_ones(vocab_mask, rows: Sequence[int]) -> None:
    """Sets the given rows to all ones (unconstrained)."""
    for lo, hi in _runs(rows):
        if isinstance(vocab_mask, HostBitmask):
            rb = vocab_mask.row_bytes
            vocab_mask.data[lo * rb : hi * rb] = b"\xff" * ((hi - lo) * rb)
        else:
            vocab_mask[lo:hi].fill_(-1)


def _runs(rows: Sequence[int]):
    """Half-open ranges of consecutive row numbers (a batch's rows 0..B-1 are one run)."""
    ordered = sorted(set(rows))
    start = prev = ordered[0]
    for r in ordered[1:]:
        if r != prev + 1:
            yield start, prev + 1
            start = r
        prev = r
    yield start, prev + 1


def is_allowed(vocab_mask, row: int, token: int) -> bool:
    """Whether ``token``'s bit is set in ``row`` (False for ids outside the mask)."""
    if token < 0:
        return False
    if isinstance(vocab_mask, HostBitmask):
        return token < vocab_mask.words * 32 and vocab_mask.is_allowed(row, token)
    if token >= vocab_mask.shape[-1] * 32:
        return False
    return (int(vocab_mask[row, token >> 5]) >> (token & 31)) & 1 == 1


def move(vocab_mask, device):
    """xgrammar's ``move_vocab_mask``."""
    if isinstance(vocab_mask, HostBitmask):
        return vocab_mask
    return vocab_mask.to(device, non_blocking=True)


def reset(vocab_mask) -> None:
    """Back to all-allowed."""
    if isinstance(vocab_mask, HostBitmask):
        vocab_mask.data[:] = b"\xff" * len(vocab_mask.data)
    else:
        vocab_mask.fill_(-1)


def apply(logits, vocab_mask) -> None:
    """Sets the logits of disallowed tokens to -inf, in place (any torch device)."""
    if torch is None or isinstance(vocab_mask, HostBitmask):
        raise RuntimeError("applying a vocab mask to logits needs torch (pip install torch)")
    vocab = logits.shape[-1]
    mask = vocab_mask.to(logits.device, non_blocking=True)
    shifts = torch.arange(32, device=logits.device, dtype=torch.int32)
    allowed = ((mask.unsqueeze(-1) >> shifts) & 1).bool().reshape(mask.shape[0], -1)
    if allowed.shape[1] < vocab:
        pad = torch.zeros(mask.shape[0], vocab - allowed.shape[1], dtype=torch.bool, device=logits.device)
        allowed = torch.cat([allowed, pad], dim=1)
    logits.masked_fill_(~allowed[: logits.shape[0], :vocab], float("-inf"))
