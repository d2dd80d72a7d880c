"""One socket connection to the sidecar: synchronous calls, plus posted requests that are buffered and sent with
the next call (their replies are handled when that call drains the socket)."""

from __future__ import annotations

import socket
import struct
from typing import Callable, Dict, List, Optional, Protocol

from . import protocol as p

_LEN = struct.Struct("<I")
_HEADER = struct.Struct("<IBI")  # body length, op, request id
_REPLY_HEAD = struct.Struct("<IBI")  # body length, status, request id
_RECV_BUFFER = 1 << 16
_MAX_BUFFERED_POSTS = 1 << 16
#: Accepts buffered on one connection before they are sent without waiting for the next call.
MAX_BATCHED_ACCEPTS = 1 << 14

Callback = Callable[[Optional[p.SidecarError], Optional[p.Reader]], None]


class AcceptOwner(Protocol):
    """Who posted an accept: told when the sidecar did not accept it (``result`` is the ACCEPT_TOKENS result bits,
    -1 with ``error`` when the whole frame failed)."""

    def accept_failed(self, token: int, result: int, error: Optional[str]) -> None: ...


class SidecarDisconnected(ConnectionError):
    """The sidecar connection broke (the process died or closed the socket)."""


class Connection:
    """A connection that has completed HELLO. Not thread-safe: the client keeps one per thread."""

    def __init__(self, path: str, session: str, timeout: Optional[float] = None):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(path)
        except OSError as exc:
            self._sock.close()
            raise SidecarDisconnected(f"cannot connect to the sidecar at {path}: {exc}") from exc
        self._next_id = 1
        self._posted: Dict[int, Callback] = {}
        self._out = bytearray()
        # Accepts posted since the last frame: sent as one ACCEPT_TOKENS_QUIET frame ahead of the next request.
        # Public because the plugin's accept_token appends to them directly (post_accept inlined: it runs once
        # per request and decode step); the three lists always have the same length.
        self.accept_handles: List[int] = []
        self.accept_tokens: List[int] = []
        self.accept_owners: list = []
        # Request ids of ACCEPT_TOKENS_QUIET frames sent since the last call: the sidecar answers them only when a
        # token was not accepted, so they are complete (and their callbacks dropped) once a later reply arrives.
        self._quiet: List[int] = []
        # Replies are received into one preallocated buffer (recv_into): no allocation per recv.
        self._in = bytearray(_RECV_BUFFER)
        self._in_view = memoryview(self._in)
        self._in_start = 0
        self._in_end = 0
        self.closed = False
        self.generation = 0
        r = self.call(p.OP_HELLO, p.u32(p.HELLO_MAGIC) + p.u16(p.PROTOCOL_VERSION) + p.string(session))
        self.protocol_version = r.u16()
        self.vocab_size = r.u32()
        self.words_per_row = r.u32()
        self.eos_token_ids = r.u32_array()
        self.sidecar_version = r.str()
        self.description = r.str()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._sock.close()
            except OSError:
                pass

    def _queue(self, op: int, payload: bytes) -> int:
        if self.accept_handles:
            self._emit_accepts()
        rid = self._next_id
        self._next_id = (rid + 1) & 0xFFFFFFFF or 1
        out = self._out
        out += _HEADER.pack(5 + len(payload), op, rid)
        out += payload
        return rid

    def _flush(self) -> None:
        if self.accept_handles:
            self._emit_accepts()
        if not self._out:
            return
        data, self._out = self._out, bytearray()
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self.close()
            raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc

    def _fill_input(self, need: int) -> None:
        """Receives until at least ``need`` unread bytes are buffered (compacting or growing the buffer first)."""
        start, end = self._in_start, self._in_end
        if start == end:
            start = end = 0
        if start + need > len(self._in):
            pending = bytes(self._in_view[start:end])
            if need > len(self._in):
                self._in_view.release()
                self._in = bytearray(max(need, 2 * len(self._in)))
                self._in_view = memoryview(self._in)
            self._in_view[: len(pending)] = pending
            start, end = 0, len(pending)
        self._in_start = start
        while end - start < need:
            try:
                got = self._sock.recv_into(self._in_view[end:])
            except OSError as exc:
                self._in_end = end
                self.close()
                raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc
            if not got:
                self._in_end = end
                self.close()
                raise SidecarDisconnected("sidecar closed the connection")
            end += got
        self._in_end = end

    def _read_reply(self):
        if self._in_end - self._in_start < 9:
            self._fill_input(9)
        length, status, rid = _REPLY_HEAD.unpack_from(self._in, self._in_start)
        if self._in_end - self._in_start < 4 + length:
            self._fill_input(4 + length)
        start = self._in_start + 4
        body = bytes(self._in_view[start : start + length])  # small: masks never travel in frames
        self._in_start = start + length
        reader = p.Reader(body, 5)
        if status == 0:
            return rid, None, reader
        code = reader.u16()
        return rid, p.SidecarError(code, reader.str()), None

    def _dispatch_posted(self, rid: int, err, reader) -> None:
        callback = self._posted.pop(rid, None)
        if callback is not None:
            callback(err, reader)
        elif err is not None and rid == 0:
            self.close()
            raise err

    def call(self, op: int, payload: bytes = b"") -> p.Reader:
        """Sends buffered posts and this request, waits for its reply; raises SidecarError for an error reply."""
        rid = self._queue(op, payload)
        self._flush()
        while True:
            got, err, reader = self._read_reply()
            if got == rid:
                if self._quiet:
                    # Every request sent before this one was handled: quiet accepts without a reply all succeeded.
                    posted = self._posted
                    for q in self._quiet:
                        posted.pop(q, None)
                    self._quiet = []
                if err is not None:
                    raise err
                return reader
            self._dispatch_posted(got, err, reader)

    def post(self, op: int, payload: bytes, callback: Callback) -> None:
        """Buffers a request; it is sent with the next call, which also runs ``callback`` with its reply."""
        self._posted[self._queue(op, payload)] = callback
        if len(self._out) > _MAX_BUFFERED_POSTS:
            self._flush()

    def post_quiet(self, op: int, payload: bytes, callback: Callback) -> None:
        """Buffers a request the sidecar answers only on failure (FILL_AHEAD): ``callback`` runs with an error
        reply; when a later reply arrives first, the request succeeded and the callback is dropped."""
        rid = self._queue(op, payload)
        self._posted[rid] = callback
        self._quiet.append(rid)

    def post_accept(self, handle: int, token: int, owner: AcceptOwner) -> None:
        """Buffers an accept; all accepts buffered before the next request travel as one ACCEPT_TOKENS_QUIET frame
        (answered only when some token was not accepted), and ``owner.accept_failed(token, result)`` runs for each
        that the sidecar did not accept."""
        self.accept_handles.append(handle)
        self.accept_tokens.append(token)
        self.accept_owners.append(owner)
        if len(self.accept_handles) >= MAX_BATCHED_ACCEPTS:
            self._flush()

    def _emit_accepts(self) -> None:
        handles, tokens, owners = self.accept_handles, self.accept_tokens, self.accept_owners
        self.accept_handles, self.accept_tokens, self.accept_owners = [], [], []
        n = len(handles)
        payload = struct.pack(f"<I{n}I{n}i", n, *handles, *tokens)

        def done(err, reader) -> None:
            if err is not None:
                for owner, token in zip(owners, tokens):
                    owner.accept_failed(token, -1, str(err))
                return
            results = reader.data[reader.pos + 4 : reader.pos + 4 + n]
            if results.count(p.ACCEPT_OK) + results.count(p.ACCEPT_OK | p.ACCEPT_TERMINATED) == n:
                return
            for owner, token, result in zip(owners, tokens, results):
                if not result & p.ACCEPT_OK:
                    owner.accept_failed(token, result, None)

        rid = self._queue(p.OP_ACCEPT_TOKENS_QUIET, payload)
        self._posted[rid] = done
        self._quiet.append(rid)

    def flush(self) -> None:
        """Sends the buffered posts and accepts now, without waiting for any reply."""
        self._flush()

    def drain(self) -> None:
        """Sends buffered posts and waits until the sidecar has handled them all (their replies dispatched)."""
        self.call(p.OP_PING)
