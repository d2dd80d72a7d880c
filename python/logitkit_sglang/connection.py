"""One socket connection to the sidecar: synchronous calls, plus posted requests that are buffered and sent with
the next call (their replies are handled when that call drains the socket)."""

from __future__ import annotations

import socket
import struct
from typing import Callable, Dict, Optional

from . import protocol as p

_LEN = struct.Struct("<I")
_RECV_CHUNK = 1 << 18
_MAX_BUFFERED_POSTS = 1 << 16

Callback = Callable[[Optional[p.SidecarError], Optional[p.Reader]], None]


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
        self._in = bytearray()
        self._in_pos = 0
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
        rid = self._next_id
        self._next_id = (rid + 1) & 0xFFFFFFFF or 1
        self._out += p.frame(op, rid, payload)
        return rid

    def _flush(self) -> None:
        if not self._out:
            return
        data, self._out = self._out, bytearray()
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self.close()
            raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc

    def _fill_input(self) -> None:
        if self._in_pos:
            del self._in[: self._in_pos]
            self._in_pos = 0
        try:
            chunk = self._sock.recv(_RECV_CHUNK)
        except OSError as exc:
            self.close()
            raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc
        if not chunk:
            self.close()
            raise SidecarDisconnected("sidecar closed the connection")
        self._in += chunk

    def _read_reply(self):
        while len(self._in) - self._in_pos < 4:
            self._fill_input()
        (length,) = _LEN.unpack_from(self._in, self._in_pos)
        while len(self._in) - self._in_pos < 4 + length:
            self._fill_input()
        start = self._in_pos + 4
        body = bytes(self._in[start : start + length])
        self._in_pos = start + length
        (rid,) = _LEN.unpack_from(body, 1)
        reader = p.Reader(body, 5)
        if body[0] == 0:
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
                if err is not None:
                    raise err
                return reader
            self._dispatch_posted(got, err, reader)

    def post(self, op: int, payload: bytes, callback: Callback) -> None:
        """Buffers a request; it is sent with the next call, which also runs ``callback`` with its reply."""
        self._posted[self._queue(op, payload)] = callback
        if len(self._out) > _MAX_BUFFERED_POSTS:
            self._flush()

    def drain(self) -> None:
        """Sends buffered posts and waits for all their replies."""
        self._flush()
        while self._posted:
            got, err, reader = self._read_reply()
            self._dispatch_posted(got, err, reader)
