"""SGLang grammar backend on top of the logitkit sidecar, mirroring SGLang's xgrammar backend.

Importing this module needs SGLang (its base classes); the rest of the package does not.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

try:
    from sglang.srt.constrained import base_grammar_backend as _base
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "logitkit_sglang.backend needs SGLang (`pip install sglang`): "
        f"importing sglang.srt.constrained.base_grammar_backend failed ({_exc}). "
        "The sidecar client and `python -m logitkit_sglang --check` work without SGLang."
    ) from _exc

from . import masks
from . import protocol as p
from .connection import MAX_BATCHED_ACCEPTS
from .sidecar import Sidecar, SidecarRestarted

logger = logging.getLogger("logitkit_sglang")

BaseGrammarObject = _base.BaseGrammarObject
BaseGrammarBackend = _base.BaseGrammarBackend
_InvalidGrammarObject = getattr(_base, "InvalidGrammarObject", None)
_INVALID_GRAMMAR_OBJ = getattr(_base, "INVALID_GRAMMAR_OBJ", None)
_GrammarStats = getattr(_base, "GrammarStats", None)

#: Per-row fills are deferred and sent as one FILL_BATCH at move/apply time unless this is set.
EAGER_FILL = os.environ.get("LOGITKIT_SGLANG_EAGER_FILL", "") not in ("", "0")

#: Fill ahead: once every grammar of a batched fill has accepted its token, the next masks for the same batch are
#: requested at once (FILL_AHEAD) and computed while the scheduler goes on; the next fill of the same grammars in
#: the same rows then reads them from shared memory without a round trip. Opt-in (``LOGITKIT_SGLANG_FILL_AHEAD=1``):
#: it pays only when the scheduler does enough other work between the accepts and the next fill (SGLang's
#: non-overlap scheduler) and costs Python CPU otherwise (bench/RESULTS.md).
FILL_AHEAD = os.environ.get("LOGITKIT_SGLANG_FILL_AHEAD", "0") not in ("", "0")


def invalid_grammar(key_type: str, message: str):
    """SGLang's marker for a failed compile, carrying ``message`` where the installed version supports it."""
    logger.error("Hit invalid %s grammar: %s", key_type, message)
    if _InvalidGrammarObject is not None:
        return _InvalidGrammarObject(message)
    return _INVALID_GRAMMAR_OBJ  # older SGLang: a sentinel (or None in the oldest versions)


class _Compiled:
    """A compiled grammar in the sidecar, recompiled transparently after a sidecar restart."""

    def __init__(self, sidecar: Sidecar, key_type: str, key_string: str, flags: int, handle: int):
        self.sidecar = sidecar
        self.flags = flags
        self.key_type = key_type
        self.key_string = key_string
        self.handle = handle
        self.generation = sidecar.generation

    def live_handle(self) -> int:
        if self.generation != self.sidecar.generation:
            handle, _, _ = self.sidecar.compile(self.key_type, self.key_string, self.flags)
            self.handle, self.generation = handle, self.sidecar.generation
        return self.handle


class _PendingFills:
    """Per-row ``fill_vocab_mask`` calls recorded until the mask is used (one FILL_BATCH for the step)."""

    def __init__(self):
        self.entries: List[Tuple["LogitkitGrammar", int, Any]] = []

    def flush(self) -> None:
        if not self.entries:
            return
        entries, self.entries = self.entries, []
        first_mask, first_sidecar = entries[0][2], entries[0][0]._sidecar
        if all(e[2] is first_mask and e[0]._sidecar is first_sidecar for e in entries):
            # one batch, one mask: the usual case
            _fill_rows([e[0] for e in entries], [e[1] for e in entries], first_mask)
            return
        groups = {}
        for grammar, row, mask in entries:
            group = groups.setdefault((id(mask), id(grammar._sidecar)), (mask, [], []))
            group[1].append(grammar)
            group[2].append(row)
        for mask, grammars, rows in groups.values():
            _fill_rows(grammars, rows, mask)


_pending = _PendingFills()


class _MaskView:
    """A mask (torch tensor, or HostBitmask without torch) that is a view of ring-slot rows in the shared buffer:
    fills land in it directly."""

    __slots__ = ("sidecar", "buffer", "base", "batch", "covered")

    def __init__(self, sidecar: Sidecar, buffer, base: int, batch: int):
        self.sidecar = sidecar
        self.buffer = buffer
        self.base = base
        self.batch = batch
        self.covered: set = set()  # rows holding a mask or all ones since allocation


class _AheadPlan:
    """The matchers of a batched fill (by handle, in row order; handles are never reused within a sidecar
    process, so a plan keeps no grammar alive) whose next masks may be filled ahead: ``remaining`` counts those
    that have not yet accepted their token locally; at zero the plugin sends FILL_AHEAD (``ticket``) into the
    same rows. ``done``: the fill ahead's rows were seen written."""

    __slots__ = ("handles", "buffer", "base", "batch", "generation", "remaining", "ticket", "done")

    def __init__(self, handles, buffer, base: int, batch: int, generation: int):
        self.handles = handles
        self.buffer = buffer
        self.base = base
        self.batch = batch
        self.generation = generation
        self.remaining = len(handles)
        self.ticket = 0
        self.done = False


def _send_ahead(sidecar: Sidecar, plan: _AheadPlan) -> None:
    """Every grammar of ``plan`` accepted its token: request their next masks now."""
    if plan.generation != sidecar.generation:
        sidecar.ahead = None
        return
    plan.ticket = sidecar.fill_ahead(plan.buffer, plan.handles, range(plan.base, plan.base + plan.batch))
    if not plan.ticket:
        sidecar.ahead = None


def _settle(sidecar: Sidecar) -> None:
    """Waits for a fill ahead still in flight, before Python writes rows of the shared buffer itself (the sidecar
    could otherwise overwrite them afterwards)."""
    plan = sidecar.ahead
    if plan is not None and plan.ticket and not plan.done:
        plan.done = sidecar.ahead_result(plan.buffer, plan.ticket, wait=True) is not None
        if not plan.done:
            sidecar.ahead = None


def _state_changed(sidecar: Sidecar) -> None:
    """A grammar's state changed other than by the one local accept a plan counts: a fill ahead already sent
    may hold a stale mask, so the next fill is made synchronously."""
    plan = sidecar.ahead
    if plan is not None and plan.ticket:
        _settle(sidecar)
        sidecar.ahead = None


#: Mask views by tensor data pointer (the memory is ours, so pointers identify them).
_views: Dict[int, _MaskView] = {}


def _view_of(vocab_mask) -> Optional[_MaskView]:
    if isinstance(vocab_mask, masks.HostBitmask):
        return vocab_mask.view
    if masks.torch is None:
        return None
    view = _views.get(vocab_mask.data_ptr())
    if view is None or vocab_mask.shape[0] != view.batch:
        return None
    return view


def _finalize(vocab_mask) -> None:
    """Rows of a mask view that no fill wrote become all ones (rows of requests without a grammar)."""
    view = _view_of(vocab_mask)
    if view is None or len(view.covered) == view.batch:
        return
    rest = [r for r in range(view.batch) if r not in view.covered]
    _settle(view.sidecar)
    masks.set_rows_to_ones(vocab_mask, rest)
    view.covered.update(rest)
    _view_rows_written(view, rest)


def _view_rows_written(view: _MaskView, rows) -> None:
    """Rows Python wrote into the shared buffer (after ``_settle``): no longer a fill's output for any grammar, the
    sidecar must not skip them as unchanged, and a fill ahead (whose rows they may be) is not used."""
    view.sidecar.ahead = None
    view.sidecar.rows_written(view.buffer, [view.base + r for r in rows])


def _release(vocab_mask, consumed_by=None) -> None:
    """The mask was consumed (applied, or copied into ``consumed_by`` on another device): its ring slot may be
    reused for the next mask."""
    view = _view_of(vocab_mask)
    if view is None:
        return
    if consumed_by is not None and consumed_by is vocab_mask:
        return  # moved to the same device: still this memory, used by apply later
    if consumed_by is not None and masks.torch is not None and not isinstance(vocab_mask, masks.HostBitmask):
        if consumed_by.data_ptr() == vocab_mask.data_ptr():
            return
    view.sidecar.release_slot(view.buffer, view.base)


def _fill_rows(grammars: Sequence["LogitkitGrammar"], row_ids: Sequence[int], vocab_mask) -> None:
    """Fills ``grammars[i]``'s next mask into row ``row_ids[i]``: rows the fill ahead of the previous step already
    wrote for the same matcher are taken from shared memory, the others are filled with one FILL_BATCH — straight
    into the mask when it is a view of the shared buffer, otherwise into the staging slot and then copied into
    ``vocab_mask``. Each grammar remembers the buffer row and fill serial of its mask, so its next
    ``accept_token`` is decided locally."""
    if not grammars:
        return
    sidecar = grammars[0]._sidecar
    plan = sidecar.ahead
    if plan is not None:
        sidecar.ahead = None
        if not (plan.ticket and _take_ahead(plan, sidecar, grammars, row_ids, vocab_mask)):
            _fill_sync(grammars, row_ids, vocab_mask)
    else:
        _fill_sync(grammars, row_ids, vocab_mask)
    _plan_next(sidecar, grammars, row_ids, vocab_mask)


def _fill_sync(grammars: Sequence["LogitkitGrammar"], row_ids: Sequence[int], vocab_mask) -> None:
    """One FILL_BATCH for these rows (rows of the mask not listed and not yet covered are set to all ones)."""
    sidecar = grammars[0]._sidecar
    for attempt in range(2):
        try:
            generation = sidecar.generation
            handles = [g._handle if g._generation == generation else g._live_matcher() for g in grammars]
            view = _view_of(vocab_mask)
            if view is not None and view.buffer is sidecar.buffer:
                buf = view.buffer
                base = view.base
                batch = view.batch
                if len(row_ids) == batch and row_ids[0] == 0 and row_ids[-1] == batch - 1 and _is_range(row_ids):
                    targets = range(base, base + batch)  # rows 0..B-1 in order: every row filled, one run
                    ones = ()
                else:
                    targets = [base + r for r in row_ids]
                    listed = set(row_ids)
                    ones = [base + r for r in range(batch) if r not in listed and r not in view.covered]
                sidecar.fill(buf, handles, targets, ones_rows=ones)
                view.covered.update(range(batch))
            else:
                buf, base = sidecar.staging(max(row_ids) + 1)
                targets = [base + r for r in row_ids]
                sidecar.fill(buf, handles, targets)
                masks.copy_rows(buf, base, row_ids, vocab_mask)
                if view is not None:
                    view.covered.update(row_ids)
            break
        except SidecarRestarted:
            if attempt == 1:
                raise
    serial = sidecar.fill_serial
    for g, target in zip(grammars, targets):
        g._mask_row = target
        g._mask_serial = serial


def _plan_next(sidecar: Sidecar, grammars, row_ids, vocab_mask) -> None:
    """After a fill of rows 0..B-1 of a mask view: the plan to fill the same matchers' next masks ahead once each
    of them has accepted its token (``accept_token`` counts them through ``_plan``)."""
    if not FILL_AHEAD:
        return
    view = _view_of(vocab_mask)
    if view is None or view.buffer is not sidecar.buffer or len(row_ids) != view.batch or not _is_range(row_ids):
        return
    plan = _AheadPlan(
        [g._handle for g in grammars], view.buffer, view.base, view.batch, sidecar.generation
    )
    for g in grammars:
        g._plan = plan
    sidecar.ahead = plan


def _take_ahead(plan: _AheadPlan, sidecar: Sidecar, grammars, row_ids, vocab_mask) -> bool:
    """Serves a fill from the fill ahead of ``plan`` where it can: a matcher of the plan (by handle; unchanged
    since, or the plan would have been dropped) that stays in its row keeps the row the fill ahead wrote; the
    other rows (new requests, and requests whose row moved because SGLang dropped finished ones from the batch)
    get one FILL_BATCH, which the sidecar handles after the fill ahead (their masks are its matchers' cached
    ones by then). With no such rows, waits for the fill ahead if it is still being computed (one PING). False
    when nothing was filled (the caller fills every row the ordinary way)."""
    view = _view_of(vocab_mask)
    generation = sidecar.generation
    if view is None or view.buffer is not plan.buffer or view.base != plan.base or plan.generation != generation:
        return False
    handles = plan.handles
    n = len(handles)
    served: List[int] = []
    rest: List[int] = []
    for k, g in enumerate(grammars):
        r = row_ids[k]
        if r < n and handles[r] == g._handle and g._generation == generation:
            served.append(k)
        else:
            rest.append(k)
    if not served:
        return False
    if sidecar.ahead_written(plan.buffer, plan.ticket):
        sidecar.ahead_hits += 1
    covered = view.covered
    base = plan.base
    for k in served:
        covered.add(row_ids[k])  # not all ones: the rest's FILL_BATCH must leave these rows alone
    if rest:
        _fill_sync([grammars[k] for k in rest], [row_ids[k] for k in rest], vocab_mask)
    if sidecar.ahead_result(plan.buffer, plan.ticket, wait=not rest) is None:
        # The fill ahead failed (its error was logged): fill those rows the ordinary way.
        _fill_sync([grammars[k] for k in served], [row_ids[k] for k in served], vocab_mask)
        return True
    serial = sidecar.claim_rows([base + row_ids[k] for k in served])
    for k in served:
        g = grammars[k]
        g._mask_row = base + row_ids[k]
        g._mask_serial = serial
    return True


def _is_range(rows: Sequence[int]) -> bool:
    """True when ``rows`` is 0, 1, …, len-1."""
    return type(rows) is range or all(r == i for i, r in enumerate(rows))


def _row_entry(entry) -> Tuple[int, Any]:
    """``(row, grammar)`` of one ``fill_vocab_mask_batched`` entry: a ``(row, grammar)`` pair, or an object with
    ``row`` and ``grammar`` attributes."""
    row = getattr(entry, "row", None)
    grammar = getattr(entry, "grammar", None)
    if row is None or grammar is None:
        row, grammar = entry
    return row, grammar


class LogitkitGrammar(BaseGrammarObject):
    """One request's grammar state: a matcher in the sidecar (created on first use)."""

    def __init__(self, compiled: _Compiled, vocab_size: int, grammar_stats=None):
        super().__init__()
        self._compiled = compiled
        self._sidecar = compiled.sidecar
        self.vocab_size = vocab_size
        self.key_string = compiled.key_string
        self.accepted_tokens: List[int] = []
        self._terminated = False
        self._handle: Optional[int] = None
        self._generation = 0
        # The buffer row last filled for the current state, and that fill's serial: accept_token checks tokens
        # against it locally and sends the accept without waiting for the reply (it goes out with the next call).
        self._mask_row = -1
        self._mask_serial = 0
        # The fill-ahead plan this grammar's last fill belongs to (counted once, by its next local accept).
        self._plan = None
        self._deferred_error: Optional[str] = None
        if grammar_stats is not None:
            self.grammar_stats = grammar_stats

    # -- sidecar state ------------------------------------------------------------------------------------

    def _live_matcher(self) -> int:
        """The matcher handle in the current sidecar, recreated (tokens replayed) after a restart."""
        if self._handle is not None and self._generation == self._sidecar.generation:
            return self._handle
        grammar = self._compiled.live_handle()
        # A handle of our own choosing: the matcher is created with the next call, no round trip of its own.
        handle = self._sidecar.post_create_matcher(grammar, on_error=self._create_failed)
        for token in self.accepted_tokens:
            ok = self._sidecar.call(p.OP_ACCEPT_TOKEN, p.u32(handle) + p.i32(token)).u8()
            if not ok:
                raise RuntimeError(f"replaying token {token} after a sidecar restart was rejected")
        self._handle, self._generation = handle, self._sidecar.generation
        return handle

    def _create_failed(self, message: str) -> None:
        self._deferred_error = f"creating the matcher in the sidecar failed: {message}"

    def _matcher_call(self, op: int, payload: bytes = b"") -> p.Reader:
        _pending.flush()
        self._raise_deferred()
        for attempt in range(2):
            try:
                return self._sidecar.call(op, p.u32(self._live_matcher()) + payload)
            except SidecarRestarted:
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None:
            try:
                self._sidecar.free_matcher_later(self._generation, handle)
            except Exception:  # noqa: BLE001 - never raise from __del__
                pass

    # -- BaseGrammarObject --------------------------------------------------------------------------------

    def _raise_deferred(self) -> None:
        if self._deferred_error is not None:
            message, self._deferred_error = self._deferred_error, None
            raise RuntimeError(message)

    def accept_failed(self, token: int, result: int, error: Optional[str]) -> None:
        """The sidecar did not accept a token this grammar had accepted locally: reported on the next call."""
        if error is not None:
            self._deferred_error = f"deferred accept of token {token} failed in the sidecar: {error}"
        else:
            self._deferred_error = (
                f"the sidecar rejected token {token} (result {result}), which the mask allowed "
                f"(mask/matcher mismatch); accepted tokens: {self.accepted_tokens}"
            )

    def _rejected(self, token: int) -> ValueError:
        return ValueError(
            f"Tokens not accepted: {token}\n"
            f"Accepted tokens: {self.accepted_tokens}\n"
            f"Key string: {self.key_string}"
        )

    def accept_token(self, token: int) -> None:
        if self._terminated:
            return
        self.current_token = token
        if _pending.entries:
            _pending.flush()
        row = self._mask_row
        if row >= 0:
            self._mask_row = -1
            sc = self._sidecar
            # The row filled for exactly this state (same fill serial: not overwritten since) decides: the matcher
            # accepts a token iff its bit is set in that mask.
            if (
                sc.row_serial[row] == self._mask_serial
                and self._generation == sc.generation
                and self._deferred_error is None
            ):
                if token < 0 or token >= sc.vocab_size or not (
                    sc.mask_map[row * sc.row_bytes + (token >> 3)] >> (token & 7) & 1
                ):
                    self._mask_row = row
                    raise self._rejected(token)
                # Decided locally: the accept travels with this thread's next call (one ACCEPT_TOKENS_QUIET frame
                # for all the step's accepts), and its result is checked then. Inlined Sidecar.post_accept: this
                # runs once per request and decode step.
                self.accepted_tokens.append(token)
                if token in sc.stop_token_ids:
                    self._terminated = True
                conn = getattr(sc._local, "conn", None)
                if conn is not None and conn.generation == sc.generation and not conn.closed:
                    handles = conn.accept_handles
                    handles.append(self._handle)
                    conn.accept_tokens.append(token)
                    conn.accept_owners.append(self)
                    if len(handles) >= MAX_BATCHED_ACCEPTS:
                        sc.flush_posts()
                else:
                    sc.post_accept(self._handle, token, self)
                plan = sc.ahead
                if plan is not None and self._plan is plan:
                    self._plan = None
                    plan.remaining -= 1
                    if plan.remaining == 0:
                        _send_ahead(sc, plan)  # the step's last accept: its frame goes out with FILL_AHEAD now
                return
        if self._sidecar.ahead is not None:
            _state_changed(self._sidecar)
        r = self._matcher_call(p.OP_ACCEPT_TOKEN, p.i32(token))
        accepted, terminated = r.u8(), r.u8()
        if not accepted:
            raise self._rejected(token)
        self.accepted_tokens.append(token)
        self._terminated = terminated == 1

    def rollback(self, k: int) -> None:
        if k <= 0:
            return
        self._mask_row = -1
        _state_changed(self._sidecar)
        r = self._matcher_call(p.OP_ROLLBACK, p.u32(k))
        self._terminated = r.u8() == 1
        del self.accepted_tokens[-k:]

    def is_terminated(self) -> bool:
        return self._terminated

    def allocate_vocab_mask(self, vocab_size: int, batch_size: int, device):
        if masks.words_for(vocab_size) != self._sidecar.words_per_row or batch_size < 1:
            return masks.allocate(batch_size, vocab_size)
        # A view of a ring slot of the shared buffer: the sidecar's fills land in it with no copy.
        buf, base = self._sidecar.ring_slot(batch_size)
        self._sidecar.forget_rows(buf, range(base, base + batch_size))
        view = _MaskView(self._sidecar, buf, base, batch_size)
        if masks.torch is None:
            mask = masks.HostBitmask.over(buf.map, base * buf.row_bytes, batch_size, buf.words_per_row)
            mask.view = view
            return mask
        for stale in [k for k, v in _views.items() if v.buffer is not buf]:
            del _views[stale]
        tensor = buf.torch_view()[base : base + batch_size]
        _views[tensor.data_ptr()] = view
        return tensor

    def fill_vocab_mask(self, vocab_mask, idx: int) -> None:
        if EAGER_FILL:
            _fill_rows([(self, idx)], vocab_mask)
        else:
            _pending.entries.append((self, idx, vocab_mask))

    @staticmethod
    def fill_vocab_mask_batched(entries, vocab_mask) -> None:
        grammars, rows = [], []
        for entry in entries:
            if type(entry) is tuple:
                row, grammar = entry
            else:
                row, grammar = _row_entry(entry)
            if type(grammar) is LogitkitGrammar or isinstance(grammar, LogitkitGrammar):
                grammars.append(grammar)
                rows.append(row)
            else:
                grammar.fill_vocab_mask(vocab_mask, row)  # e.g. SGLang's reasoning wrapper around ours
        if _pending.entries:  # per-row fills recorded earlier (or just now, by wrappers): one batch with them
            _pending.entries.extend(zip(grammars, rows, itertools.repeat(vocab_mask)))
            _pending.flush()
        else:
            _fill_rows(grammars, rows, vocab_mask)

    @staticmethod
    def reset_vocab_mask(vocab_mask) -> None:
        _pending.flush()
        view = _view_of(vocab_mask)
        if view is not None:
            _settle(view.sidecar)
        masks.reset(vocab_mask)
        if view is not None:
            view.covered.update(range(view.batch))
            _view_rows_written(view, range(view.batch))

    @staticmethod
    def move_vocab_mask(vocab_mask, device):
        _pending.flush()
        _finalize(vocab_mask)
        moved = masks.move(vocab_mask, device)
        _release(vocab_mask, consumed_by=moved)
        return moved

    @staticmethod
    def apply_vocab_mask(logits, vocab_mask) -> None:
        _pending.flush()
        _finalize(vocab_mask)
        masks.apply(logits, vocab_mask)
        _release(vocab_mask)

    def copy(self) -> "LogitkitGrammar":
        stats = getattr(self, "grammar_stats", None)
        if stats is not None and dataclasses.is_dataclass(stats):
            names = {f.name for f in dataclasses.fields(stats)}
            changes = {"is_cache_hit": True, "tree_traversal_time": []}
            stats = dataclasses.replace(stats, **{k: v for k, v in changes.items() if k in names})
        return LogitkitGrammar(self._compiled, self.vocab_size, stats)

    def try_jump_forward(self, tokenizer) -> Optional[Tuple[List[int], str]]:
        s = self._matcher_call(p.OP_JUMP_FORWARD).str()
        return ([], s) if s else None

    def jump_forward_str_state(self, helper: Tuple[List[int], str]) -> Tuple[str, int]:
        return helper[1], -1

    def jump_and_retokenize(self, old_output_ids: List[int], new_output_ids: List[int], next_state: int) -> None:
        k = 0
        for i, old_id in enumerate(old_output_ids):
            if i < len(new_output_ids) and old_id == new_output_ids[i]:
                k = i + 1
            else:
                break
        if k < len(old_output_ids):
            self.rollback(len(old_output_ids) - k)
        for token in new_output_ids[k:]:
            self.accept_token(token)

    def is_completed(self) -> bool:
        """True when the grammar may end here (xgrammar's ``is_completed``)."""
        r = self._matcher_call(p.OP_QUERY_STATE)
        r.u8()
        return r.u8() == 1

    def __repr__(self) -> str:
        return (
            f"LogitkitGrammar(key_string={self.key_string!r}, accepted_tokens={self.accepted_tokens!r}, "
            f"terminated={self._terminated})"
        )


def _sanitize_structural_format(fmt) -> None:
    """Missing ``json_schema`` fields become ``{}`` (as SGLang's xgrammar backend does)."""
    if not isinstance(fmt, dict):
        return
    kind = fmt.get("type")
    if kind in ("json_schema", "qwen_xml_parameter") and fmt.get("json_schema") is None:
        fmt["json_schema"] = {}
    if kind == "tag":
        _sanitize_structural_format(fmt.get("content"))
    elif kind in ("sequence", "or"):
        for element in fmt.get("elements", []) or []:
            _sanitize_structural_format(element)
    elif kind in ("triggered_tags", "tags_with_separator"):
        for tag in fmt.get("tags", []) or []:
            _sanitize_structural_format(tag)


def sanitize_structural_tag(key_string: str) -> str:
    """Fills missing schemas in a structural tag (legacy or xgrammar-native); other text is passed through."""
    try:
        tag = json.loads(key_string)
    except ValueError:
        return key_string  # the sidecar reports malformed JSON with its position
    if not isinstance(tag, dict):
        return key_string
    if "structures" in tag:
        for structure in tag.get("structures") or []:
            if isinstance(structure, dict) and structure.get("schema") is None:
                structure["schema"] = {}
    elif isinstance(tag.get("format"), dict):
        _sanitize_structural_format(tag["format"])
    return json.dumps(tag)


class LogitkitGrammarBackend(BaseGrammarBackend):
    """Compiles SGLang grammar keys in the logitkit sidecar; cache and futures are SGLang's own."""

    def __init__(self, sidecar: Sidecar, vocab_size: int, any_whitespace: bool = True):
        super().__init__()
        self.sidecar = sidecar
        self.vocab_size = vocab_size
        # SGLang's --constrained-json-disable-any-whitespace: JSON with json.dumps spacing only.
        self.any_whitespace = any_whitespace

    def _dispatch(self, key_type: str, key_string: str):
        flags = 0 if self.any_whitespace or key_type != "json" else p.COMPILE_FLAG_JSON_FIXED_WHITESPACE
        for attempt in range(2):
            try:
                handle, compile_ms, _ = self.sidecar.compile(key_type, key_string, flags)
                break
            except SidecarRestarted:
                if attempt == 1:
                    raise
            except p.SidecarError as exc:
                if exc.code == p.ERR_COMPILE_ERROR:
                    return invalid_grammar(key_type, exc.message)
                raise
        stats = _GrammarStats(dispatch_type=key_type) if _GrammarStats is not None else None
        return LogitkitGrammar(_Compiled(self.sidecar, key_type, key_string, flags, handle), self.vocab_size, stats)

    def dispatch_json(self, key_string: str):
        return self._dispatch("json", key_string)

    def dispatch_regex(self, key_string: str):
        return self._dispatch("regex", key_string)

    def dispatch_ebnf(self, key_string: str):
        return self._dispatch("ebnf", key_string)

    def dispatch_structural_tag(self, key_string: str):
        return self._dispatch("structural_tag", sanitize_structural_tag(key_string))

    def shutdown(self) -> None:
        """Stops the sidecar."""
        self.sidecar.close()
