"""The plugin driven the way SGLang's scheduler drives a grammar backend, against the real sidecar.

Masks read back from shared memory must equal, bit for bit, the masks logitkit computes in-process: the vitest
runner (test/sglang-backend/python-plugin.test.ts) writes those to LOGITKIT_REFERENCE_MASKS; run standalone, the
test asks the sidecar for a fresh-matcher replay (REFERENCE_MASK) instead.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import unittest

from support import CASES, STUB, allowed_tokens, load_reference, pick, row_bytes, use_stub_sglang

use_stub_sglang()

from sglang.srt.constrained import base_grammar_backend as sgl_base  # noqa: E402  (the stand-in)
from sglang.srt.constrained.base_grammar_backend import GrammarRow, InvalidGrammarObject  # noqa: E402

import logitkit_sglang  # noqa: E402
from logitkit_sglang import protocol as p  # noqa: E402
from logitkit_sglang import backend as backend_module  # noqa: E402
from logitkit_sglang import masks  # noqa: E402
from logitkit_sglang.backend import LogitkitGrammarBackend  # noqa: E402
from logitkit_sglang.sidecar import Sidecar, SidecarUnavailable, find_node  # noqa: E402

SIDECAR: Sidecar = None  # type: ignore[assignment]
REFERENCE = load_reference()


def start_shared_sidecar():
    """One sidecar for the tests that drive grammars (started on first use)."""
    global SIDECAR
    if SIDECAR is None:
        SIDECAR = Sidecar(preset="llama-3.1")


def tearDownModule():
    if SIDECAR is not None:
        SIDECAR.close()


class Request:
    """The parts of SGLang's Req the grammar path touches."""

    def __init__(self, key):
        self.key = key
        self.grammar = None
        self.error = None
        self.output_ids = []


def admit(backend, key):
    """GrammarManager.process_req_with_grammar + get_ready_grammar_requests, for one request."""
    req = Request(key)
    value, cache_hit = backend.get_cached_or_future_value(key, False)
    if not cache_hit:
        value = value.result(timeout=120)
        backend.set_cache(key, value.copy())
    req.grammar = value
    if isinstance(value, InvalidGrammarObject):
        req.error = f"Failed to compile {key[0]} grammar: {value.error_message}"
    return req


def _with(grammar):
    req = Request(None)
    req.grammar = grammar
    return req


def batch_masks(reqs, vocab_size, batched):
    """SamplingBatchInfo.update_regex_vocab_mask: allocate, fill live rows, move."""
    first = reqs[0].grammar
    mask = first.allocate_vocab_mask(vocab_size=vocab_size, batch_size=len(reqs), device="cpu")
    live = [(i, r.grammar) for i, r in enumerate(reqs) if not r.grammar.finished and not r.grammar.is_terminated()]
    if batched:
        first.fill_vocab_mask_batched([GrammarRow(i, g) for i, g in live], mask)
    else:
        for i, g in live:
            g.fill_vocab_mask(mask, i)
    return first.move_vocab_mask(mask, "cpu"), [i for i, _ in live]


def consumed(mask):
    """What apply_vocab_mask does after applying (it needs torch): the mask's ring slot may be reused, so the
    next step's rows land where the same requests' previous masks are and unchanged rows are not rewritten."""
    backend_module._release(mask)


def reference_mask(case_name, handle_grammar, history, step):
    if REFERENCE is not None:
        return REFERENCE[case_name]["steps"][step]["mask"]
    r = SIDECAR.call(p.OP_REFERENCE_MASK, p.u32(handle_grammar._compiled.live_handle()) + p.u32_array(history))
    return r.raw(r.u32())


class SchedulerFlowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_shared_sidecar()

    def setUp(self):
        self.backend = LogitkitGrammarBackend(SIDECAR, SIDECAR.vocab_size)

    def test_masks_match_in_process_engine_through_the_scheduler_sequence(self):
        valid = [c for c in CASES["cases"] if not c.get("invalid")]
        # Two requests per key: the second one is a cache hit (a copy of the prototype).
        reqs, cases = [], []
        for case in valid:
            for _ in range(2):
                reqs.append(admit(self.backend, (case["keyType"], case["key"])))
                cases.append(case)
        for req in reqs:
            self.assertIsNone(req.error, req.error)
        vocab = SIDECAR.vocab_size
        eos = set(SIDECAR.eos_token_ids)
        histories = [[] for _ in reqs]
        terminated_seen = set()
        written = total = 0
        for step in range(CASES["maxSteps"]):
            serial = SIDECAR.fill_serial
            mask, live = batch_masks(reqs, vocab, batched=step % 2 == 0)
            if not live:
                break
            if SIDECAR.fill_serial == serial + 1 and SIDECAR.last_fill is not None:
                written += SIDECAR.last_fill.rows_written
                total += len(SIDECAR.last_fill.status)
            for i in live:
                row = row_bytes(mask, i)
                expected = reference_mask(cases[i]["name"], reqs[i].grammar, histories[i], step)
                self.assertEqual(row, expected, f"{cases[i]['name']} step {step}: mask differs from logitkit's")
                token = pick(allowed_tokens(row, vocab), eos, step)
                if REFERENCE is not None:
                    self.assertEqual(token, REFERENCE[cases[i]["name"]]["steps"][step]["token"])
                reqs[i].grammar.accept_token(token)
                histories[i].append(token)
                if token in eos:
                    self.assertTrue(reqs[i].grammar.is_terminated(), f"{cases[i]['name']}: EOS did not terminate")
                    terminated_seen.add(cases[i]["name"])
                    reqs[i].grammar.finished = True
            if step % 3 != 2:
                consumed(mask)  # mostly applied before the next step; sometimes still in use (another slot)
            if step == 5:
                # Rollback two tokens, check the mask is the one from two steps ago, then re-accept them.
                for i in live:
                    g = reqs[i].grammar
                    if g.is_terminated() or len(histories[i]) < 2:
                        continue
                    tail = histories[i][-2:]
                    g.rollback(2)
                    del histories[i][-2:]
                    m, _ = batch_masks([reqs[i]], vocab, batched=True)
                    self.assertEqual(
                        row_bytes(m, 0), reference_mask(cases[i]["name"], g, histories[i], step - 1)
                    )
                    for t in tail:
                        g.accept_token(t)
                        histories[i].append(t)
        self.assertIn("regex-date", terminated_seen)
        self.assertIn("ebnf-answer", terminated_seen)
        # Both paths ran: rows rewritten and rows skipped as unchanged (each compared bit for bit above).
        self.assertGreater(written, 0)
        self.assertLess(written, total)

    def test_new_matchers_travel_with_the_fill(self):
        """A new request's matcher is created under a handle the plugin chooses (CREATE_MATCHER_AS, no reply): its
        first fill is still the step's only round trip."""
        reqs = [admit(self.backend, ("regex", "[0-9]+")) for _ in range(3)]
        SIDECAR.ahead = None  # no fill ahead of an earlier test in flight
        SIDECAR.call(p.OP_PING)
        conn = SIDECAR.connection()
        calls = []
        original = conn.call
        conn.call = lambda op, payload=b"": calls.append(op) or original(op, payload)
        try:
            mask, _ = batch_masks(reqs, SIDECAR.vocab_size, batched=True)
        finally:
            del conn.call
        self.assertEqual(calls, [p.OP_FILL_BATCH])
        handles = [r.grammar._handle for r in reqs]
        self.assertEqual(len(set(handles)), 3)
        self.assertTrue(all(h >= p.CLIENT_HANDLE_BASE for h in handles))
        digits = allowed_tokens(row_bytes(mask, 1), SIDECAR.vocab_size)
        self.assertTrue(digits)
        reqs[1].grammar.accept_token(digits[0])
        self.assertTrue(reqs[1].grammar.is_completed())  # the matcher behind the chosen handle took the token

    def test_fill_ahead_serves_the_next_masks_from_shared_memory(self):
        """SGLang's order: the mask is applied (its slot released) before the step's accepts; the step's last accept
        sends FILL_AHEAD, and the next fill of the same batch reads its rows from shared memory (no FILL_BATCH).
        Masks stay bit for bit the in-process ones; a batch that changes (a finished request leaves, rows shift),
        a rollback after the fill ahead was sent, or rows Python resets while it is in flight fall back to
        FILL_BATCH."""
        self.addCleanup(setattr, backend_module, "FILL_AHEAD", backend_module.FILL_AHEAD)
        backend_module.FILL_AHEAD = True  # opt-in (LOGITKIT_SGLANG_FILL_AHEAD=1)
        valid = [c for c in CASES["cases"] if not c.get("invalid")]
        reqs = [admit(self.backend, (c["keyType"], c["key"])) for c in valid]
        vocab = SIDECAR.vocab_size
        eos = set(SIDECAR.eos_token_ids)
        histories = [[] for _ in reqs]
        ahead = synced = 0
        stale = {}  # step -> why its fill ahead (if one was sent) must not be used
        for step in range(CASES["maxSteps"]):
            live = [i for i, r in enumerate(reqs) if not r.grammar.is_terminated()]
            if not live:
                break
            batch = [reqs[i] for i in live]
            sent = SIDECAR.fill_serial
            mask, _ = batch_masks(batch, vocab, batched=True)
            served_ahead = SIDECAR.last_fill.status == b""
            ahead += served_ahead
            synced += SIDECAR.fill_serial != sent and not served_ahead
            if step in stale:
                self.assertFalse(served_ahead, f"step {step}: a fill ahead was used after {stale[step]}")
            for j, i in enumerate(live):
                k = len(histories[i])  # the reference path's step (a rolled-back request is one behind)
                expected = reference_mask(valid[i]["name"], reqs[i].grammar, histories[i], k)
                self.assertEqual(
                    row_bytes(mask, j), expected, f"{valid[i]['name']} step {step} (ahead {served_ahead}): mask differs"
                )
            consumed(mask)  # applied before sampling
            for j, i in enumerate(live):
                token = pick(allowed_tokens(row_bytes(mask, j), vocab), eos, len(histories[i]))
                reqs[i].grammar.accept_token(token)
                histories[i].append(token)
            if any(r.grammar.is_terminated() for r in batch):
                continue  # the next batch is smaller: its fill is made synchronously anyway
            if not stale:  # the fill ahead is in flight: its mask for this grammar is for the undone token
                batch[0].grammar.rollback(1)
                histories[live[0]].pop()
                stale[step + 1] = "a rollback"
            elif len(stale) == 1 and step > min(stale):  # Python resets the rows it is writing (same ring slot)
                reset = batch[0].grammar.allocate_vocab_mask(vocab, len(batch), "cpu")
                batch[0].grammar.reset_vocab_mask(reset)
                consumed(reset)
                stale[step + 1] = "Python reset its rows"
        self.assertEqual(len(stale), 2)
        self.assertGreater(ahead, 0, "no fill was served ahead")
        self.assertGreater(synced, 0, "no fill fell back to FILL_BATCH")

    def test_masks_without_torch_are_views_of_shared_memory(self):
        if masks.torch is not None:
            self.skipTest("torch is installed: masks are tensors (TorchPathTest)")
        g = admit(self.backend, ("regex", "[0-9]+")).grammar
        mask = g.allocate_vocab_mask(SIDECAR.vocab_size, 2, "cpu")
        self.assertIsInstance(mask.data, memoryview)
        g.fill_vocab_mask_batched([GrammarRow(0, g)], mask)
        mask = g.move_vocab_mask(mask, "cpu")
        base = mask.view.base
        self.assertEqual(row_bytes(mask, 0), bytes(SIDECAR.buffer.row(base)))
        self.assertEqual(row_bytes(mask, 1), b"\xff" * SIDECAR.buffer.row_bytes)

    def test_rows_python_wrote_are_rewritten_not_skipped(self):
        """A row Python set to all ones (a request without a grammar) must be rewritten by the next fill even when
        the sidecar's last mask for that row equals the new one."""
        vocab = SIDECAR.vocab_size
        a = admit(self.backend, ("regex", "[0-9]{3}"))
        b = admit(self.backend, ("regex", "[a-f]{3}"))

        def step(rows_with_grammar):
            first = a.grammar
            mask = first.allocate_vocab_mask(vocab, 2, "cpu")
            first.fill_vocab_mask_batched([GrammarRow(i, [a, b][i].grammar) for i in rows_with_grammar], mask)
            mask = first.move_vocab_mask(mask, "cpu")
            rows = [row_bytes(mask, i) for i in range(2)]
            consumed(mask)
            return rows

        first = step([0, 1])
        ones = b"\xff" * SIDECAR.buffer.row_bytes
        self.assertNotIn(ones, first)
        # Same states again in the same slot: nothing to rewrite.
        self.assertEqual(step([0, 1]), first)
        self.assertEqual([s & p.ROW_UNCHANGED for s in SIDECAR.last_fill.status], [p.ROW_UNCHANGED] * 2)
        # No row has a grammar this step: no fill at all, Python writes all ones into the slot itself.
        self.assertEqual(step([]), [ones, ones])
        # The states did not change, so the masks equal what the sidecar wrote before; the rows must still be
        # rewritten because Python overwrote them in between.
        self.assertEqual(step([0, 1]), first)
        self.assertEqual([s & p.ROW_UNCHANGED for s in SIDECAR.last_fill.status], [0, 0])

    def test_invalid_grammars_report_the_compiler_message(self):
        for case in (c for c in CASES["cases"] if c.get("invalid")):
            key = (case["keyType"], case["key"])
            first = admit(self.backend, key)
            self.assertIsNotNone(first.error, case["name"])
            self.assertTrue(first.error.startswith(f"Failed to compile {case['keyType']} grammar: "), first.error)
            if REFERENCE is not None:
                self.assertEqual(first.error, f"Failed to compile {case['keyType']} grammar: " + REFERENCE[case["name"]]["error"])
            again = admit(self.backend, key)  # cached invalid result
            self.assertEqual(again.error, first.error)

    def test_rejected_token_raises_value_error_and_state_is_kept(self):
        req = admit(self.backend, ("regex", "[0-9]{3}"))
        g = req.grammar
        mask, _ = batch_masks([req], SIDECAR.vocab_size, batched=True)
        allowed = allowed_tokens(row_bytes(mask, 0), SIDECAR.vocab_size)
        banned = next(t for t in range(SIDECAR.vocab_size) if t not in allowed)
        with self.assertRaisesRegex(ValueError, f"Tokens not accepted: {banned}"):
            g.accept_token(banned)
        g.accept_token(allowed[0])
        self.assertEqual(g.accepted_tokens, [allowed[0]])

    def test_tokens_outside_the_vocabulary_are_rejected_locally(self):
        req = admit(self.backend, ("regex", "[0-9]+"))
        g = req.grammar
        batch_masks([req], SIDECAR.vocab_size, batched=True)
        for bad in (-1, SIDECAR.vocab_size, SIDECAR.vocab_size + 40):
            with self.assertRaisesRegex(ValueError, f"Tokens not accepted: {bad}"):
                g.accept_token(bad)
        self.assertEqual(g.accepted_tokens, [])

    def test_a_row_overwritten_by_another_fill_is_not_trusted(self):
        """accept_token decides locally only while its row still holds the fill made for its state: after another
        grammar's mask was filled into the same row, the token goes to the sidecar (and is rejected there)."""
        digits = admit(self.backend, ("regex", "[0-9]"))
        letters = admit(self.backend, ("regex", "[a-z]"))
        mask, _ = batch_masks([digits], SIDECAR.vocab_size, batched=True)
        digit_tokens = allowed_tokens(row_bytes(mask, 0), SIDECAR.vocab_size)
        consumed(mask)
        mask2, _ = batch_masks([letters], SIDECAR.vocab_size, batched=True)  # the same ring slot and row
        self.assertEqual(backend_module._view_of(mask2).base, backend_module._view_of(mask).base)
        letter_tokens = allowed_tokens(row_bytes(mask2, 0), SIDECAR.vocab_size)
        self.assertTrue(set(letter_tokens).isdisjoint(digit_tokens))
        before = SIDECAR.connection()._next_id
        with self.assertRaisesRegex(ValueError, f"Tokens not accepted: {letter_tokens[0]}"):
            digits.grammar.accept_token(letter_tokens[0])  # allowed by the row now, not by digits' own mask
        self.assertGreater(SIDECAR.connection()._next_id, before, "the accept must have asked the sidecar")
        digits.grammar.accept_token(digit_tokens[0])
        self.assertEqual(digits.grammar.accepted_tokens, [digit_tokens[0]])

    def test_locally_accepted_token_rejected_by_the_sidecar_is_reported(self):
        """Accepts decided from the mask row are sent batched (ACCEPT_TOKENS_QUIET, answered only on a rejection)
        with the next call; a token the sidecar's matcher rejects after all is reported on the grammar's next
        call."""
        req = admit(self.backend, ("regex", "ab"))
        g = req.grammar
        mask, _ = batch_masks([req], SIDECAR.vocab_size, batched=True)
        a = allowed_tokens(row_bytes(mask, 0), SIDECAR.vocab_size)[0]
        SIDECAR.call(p.OP_ACCEPT_TOKEN, p.u32(g._handle) + p.i32(a))  # behind the plugin's back
        g.accept_token(a)  # allowed by the row: accepted locally, posted
        SIDECAR.call(p.OP_PING)  # carries the posted accepts; their result arrives with the reply
        with self.assertRaisesRegex(RuntimeError, f"sidecar rejected token {a}"):
            g.is_completed()

    def test_batched_fill_with_a_wrapped_grammar(self):
        class Wrapper(sgl_base.BaseGrammarObject):  # like SGLang's reasoning wrapper: delegates per row
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def fill_vocab_mask(self, vocab_mask, idx):
                self.inner.fill_vocab_mask(vocab_mask, idx)

        a = admit(self.backend, ("regex", "[0-9]+")).grammar
        b = admit(self.backend, ("regex", "[a-z]+")).grammar
        mask = a.allocate_vocab_mask(SIDECAR.vocab_size, 2, "cpu")
        a.fill_vocab_mask_batched([GrammarRow(0, a), GrammarRow(1, Wrapper(b))], mask)
        mask = a.move_vocab_mask(mask, "cpu")
        direct, _ = batch_masks([_with(a), _with(b)], SIDECAR.vocab_size, True)
        for i in range(2):
            self.assertEqual(row_bytes(mask, i), row_bytes(direct, i))

    def test_disable_any_whitespace_compiles_json_with_fixed_spacing(self):
        schema = '{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}'
        loose = admit(self.backend, ("json", schema))
        strict_backend = LogitkitGrammarBackend(SIDECAR, SIDECAR.vocab_size, any_whitespace=False)
        strict = admit(strict_backend, ("json", schema))
        mask, _ = batch_masks([loose, strict], SIDECAR.vocab_size, batched=True)
        loose_allowed = set(allowed_tokens(row_bytes(mask, 0), SIDECAR.vocab_size))
        strict_allowed = set(allowed_tokens(row_bytes(mask, 1), SIDECAR.vocab_size))
        self.assertTrue(strict_allowed < loose_allowed, "fixed spacing must forbid the whitespace variants")

    def test_jump_forward_like_xgrammar(self):
        g = admit(self.backend, ("regex", "hello [0-9]")).grammar
        helper = g.try_jump_forward(tokenizer=None)
        self.assertEqual(helper, ([], "hello "))
        self.assertEqual(g.jump_forward_str_state(helper), ("hello ", -1))
        done = admit(self.backend, ("regex", "[0-9]")).grammar
        self.assertIsNone(done.try_jump_forward(tokenizer=None))

    def test_terminated_grammar_ignores_tokens_and_rollback_revives_it(self):
        req = admit(self.backend, ("regex", "x"))
        g = req.grammar
        mask, _ = batch_masks([req], SIDECAR.vocab_size, batched=True)
        (x,) = allowed_tokens(row_bytes(mask, 0), SIDECAR.vocab_size)[:1]
        g.accept_token(x)
        g.accept_token(SIDECAR.eos_token_ids[0])
        self.assertTrue(g.is_terminated())
        g.accept_token(12345)  # ignored once terminated, like xgrammar's wrapper
        g.rollback(1)
        self.assertFalse(g.is_terminated())
        self.assertTrue(g.is_completed())

    def test_sidecar_crash_is_recovered_with_state_replayed(self):
        sidecar = Sidecar(preset="llama-3.1")
        try:
            backend = LogitkitGrammarBackend(sidecar, sidecar.vocab_size)
            reqs = [admit(backend, ("ebnf", 'root ::= "ab" [0-9]+ "."')), admit(backend, ("regex", "[a-c]{4}"))]
            vocab = sidecar.vocab_size
            before, _ = batch_masks(reqs, vocab, batched=True)
            tokens = [pick(allowed_tokens(row_bytes(before, i), vocab), set(), 1) for i in range(2)]
            for r, t in zip(reqs, tokens):
                r.grammar.accept_token(t)
            expected, _ = batch_masks(reqs, vocab, batched=True)
            generation = sidecar.generation
            os.kill(sidecar.pid, signal.SIGKILL)
            time.sleep(0.2)
            after, _ = batch_masks(reqs, vocab, batched=True)
            self.assertEqual(sidecar.generation, generation + 1)
            for i in range(2):
                self.assertEqual(row_bytes(after, i), row_bytes(expected, i))
        finally:
            sidecar.close()

    def test_dropped_grammars_free_their_matchers(self):
        req = admit(self.backend, ("regex", "[a-z]+"))
        batch_masks([req], SIDECAR.vocab_size, batched=True)
        handle = req.grammar._handle
        del req
        gc.collect()
        SIDECAR.call(p.OP_PING)  # carries the queued FREE_MATCHERS
        with self.assertRaises(p.SidecarError) as ctx:
            SIDECAR.call(p.OP_QUERY_STATE, p.u32(handle))
        self.assertEqual(ctx.exception.code, p.ERR_UNKNOWN_HANDLE)


try:
    import torch
except ImportError:
    torch = None


@unittest.skipUnless(torch is not None, "torch is not installed: the zero-copy tensor path is not tested")
class TorchPathTest(unittest.TestCase):
    """With torch, masks are views of the shared buffer; rows of requests without a grammar must stay all ones."""

    @classmethod
    def setUpClass(cls):
        start_shared_sidecar()

    def test_mixed_batch_view_fill_move_apply(self):
        backend = LogitkitGrammarBackend(SIDECAR, SIDECAR.vocab_size)
        vocab = SIDECAR.vocab_size
        g0 = admit(backend, ("regex", "[0-9]{2}")).grammar
        g2 = admit(backend, ("ebnf", 'root ::= "yes" | "no"')).grammar
        for batched in (True, False):
            mask = g0.allocate_vocab_mask(vocab, 3, "cpu")
            mask.fill_(0)  # whatever a previous use of the ring slot left behind
            if batched:
                g0.fill_vocab_mask_batched([GrammarRow(0, g0), GrammarRow(2, g2)], mask)
            else:
                g0.fill_vocab_mask(mask, 0)
                g2.fill_vocab_mask(mask, 2)
            mask = g0.move_vocab_mask(mask, "cpu")
            self.assertTrue(bool((mask[1] == -1).all()), "row without a grammar must be unconstrained")
            logits = torch.zeros(3, vocab)
            g0.apply_vocab_mask(logits, mask)
            allowed0 = set(torch.nonzero(logits[0] == 0).flatten().tolist())
            self.assertEqual(allowed0, set(allowed_tokens(row_bytes(mask, 0), vocab)))
            self.assertTrue(0 < len(allowed0) < 200)
            self.assertFalse(bool(torch.isinf(logits[1]).any()))
            token = min(allowed0)
            g0.accept_token(token)
            g0.rollback(1)

    def test_masks_survive_the_next_allocations(self):
        backend = LogitkitGrammarBackend(SIDECAR, SIDECAR.vocab_size)
        g = admit(backend, ("regex", "abc")).grammar
        first = g.allocate_vocab_mask(SIDECAR.vocab_size, 2, "cpu")
        g.fill_vocab_mask_batched([GrammarRow(0, g)], first)
        snapshot = first.clone()
        for _ in range(3):  # RING_SLOTS - 1 more masks leave the first intact
            other = g.allocate_vocab_mask(SIDECAR.vocab_size, 2, "cpu")
            g.fill_vocab_mask_batched([GrammarRow(1, g)], other)
        self.assertTrue(bool((first == snapshot).all()))


class RegistrationTest(unittest.TestCase):
    def test_register_adds_backend_and_cli_choice(self):
        from sglang.srt import server_args

        logitkit_sglang.register()
        self.assertIn("logitkit", sgl_base.GRAMMAR_BACKEND_REGISTRY)
        self.assertIn("logitkit", server_args.GRAMMAR_BACKEND_CHOICES)
        os.environ["LOGITKIT_PRESET"] = "llama-3.1"
        try:
            backend = sgl_base.create_grammar_backend(
                server_args.ServerArgs(grammar_backend="logitkit"), None, 128256, {128001, 128009}
            )
            try:
                self.assertIsInstance(backend, LogitkitGrammarBackend)
                self.assertTrue(backend.any_whitespace)
                self.assertEqual(backend.sidecar.eos_token_ids, [128001, 128009])
                g = admit(backend, ("regex", "a|b")).grammar
                self.assertFalse(g.is_terminated())
            finally:
                backend.shutdown()
        finally:
            del os.environ["LOGITKIT_PRESET"]

    def test_launcher_registers_then_runs_sglang_launch_server(self):
        import json

        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(STUB.parent.parent), str(STUB)]))
        for extra, backend in (([], "logitkit"), (["--grammar-backend", "xgrammar"], "xgrammar")):
            out = subprocess.run(
                [sys.executable, "-m", "logitkit_sglang.launch_server", "--model-path", "m", *extra],
                capture_output=True, text=True, env=env, timeout=120,
            )
            self.assertEqual(out.returncode, 0, out.stderr)
            seen = json.loads(out.stdout.strip().splitlines()[-1])
            self.assertEqual(seen["argv"][seen["argv"].index("--grammar-backend") + 1], backend)
            self.assertIn("logitkit", seen["registered"])
            self.assertIn("logitkit", seen["choices"])

    def test_backend_from_a_loaded_tokenizer_and_model_config(self):
        """The production path: no preset; the tokenizer SGLang loaded is saved for the sidecar (hub id case)."""
        import shutil as sh
        from pathlib import Path

        from sglang.srt import server_args

        files = Path(__file__).resolve().parents[2] / "node_modules" / "@lenml" / "tokenizer-llama3_1" / "models"
        if not (files / "tokenizer.json").is_file():
            self.skipTest(f"{files} not installed")

        class LoadedTokenizer:
            def save_pretrained(self, target):
                sh.copy(files / "tokenizer.json", target)

        logitkit_sglang.register()
        backend = sgl_base.create_grammar_backend(
            server_args.ServerArgs(grammar_backend="logitkit", tokenizer_path="meta-llama/Llama-3.1-8B-Instruct"),
            LoadedTokenizer(),
            128256,
            {128009},
        )
        try:
            self.assertEqual(backend.sidecar.vocab_size, 128256)
            self.assertEqual(backend.sidecar.eos_token_ids, [128009])
            self.assertIn("tokenizer.json", backend.sidecar.description)
            req = admit(backend, ("regex", "[0-9]{2}"))
            mask, _ = batch_masks([req], 128256, batched=True)
            self.assertEqual(len(allowed_tokens(row_bytes(mask, 0), 128256)), 110)  # "0".."99" as 1 or 2 digits
        finally:
            backend.shutdown()

    def test_register_on_sglang_without_registry_explains(self):
        saved = sgl_base.register_grammar_backend
        del sgl_base.register_grammar_backend
        try:
            with self.assertRaisesRegex(RuntimeError, "no grammar-backend registry"):
                logitkit_sglang.register()
        finally:
            sgl_base.register_grammar_backend = saved


class GuardTest(unittest.TestCase):
    def test_package_imports_without_sglang_or_torch(self):
        code = (
            "import sys; import logitkit_sglang, logitkit_sglang.sidecar, logitkit_sglang.masks;"
            "\ntry:\n import logitkit_sglang.backend\nexcept ImportError as e:\n print('IMPORT-ERROR', e)"
        )
        env = dict(os.environ, PYTHONPATH=str(STUB.parent.parent))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("IMPORT-ERROR logitkit_sglang.backend needs SGLang (`pip install sglang`)", out.stdout)

    def test_missing_node_is_a_clear_error(self):
        saved = dict(os.environ)
        try:
            os.environ.pop("LOGITKIT_NODE", None)
            os.environ["PATH"] = "/nonexistent"
            with self.assertRaisesRegex(SidecarUnavailable, "needs Node.js >= 20.*no `node` was found"):
                find_node()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def test_startup_failure_shows_the_sidecar_message(self):
        with self.assertRaisesRegex(SidecarUnavailable, "exited with status 1 during startup"):
            Sidecar(tokenizer_path="/nonexistent/model-dir")

    def test_check_command_passes(self):
        env = dict(os.environ, PYTHONPATH=str(STUB.parent.parent))
        out = subprocess.run(
            [sys.executable, "-m", "logitkit_sglang", "--check"], capture_output=True, text=True, env=env, timeout=300
        )
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("PASS: logitkit sidecar round trip", out.stdout)


if __name__ == "__main__":
    unittest.main()
