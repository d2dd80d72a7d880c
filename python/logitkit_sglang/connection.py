"""One socket connection to the sidecar: synchronous calls plus fire-and-forget posts whose replies are
drained by the next call."""

from __future__ import annotations

import socket
import struct
from typing import Callable, Dict, Optional

from . import protocol as p

_LEN = struct.Struct("<I")


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
        self._posted: Dict[int, Callable[[Optional[p.SidecarError], Optional[p.Reader]], None]] = {}
        self._header = bytearray(4)
        self.closed = False
        r = self.call(
            p.OP_HELLO, p.u32(p.HELLO_MAGIC) + p.u16(p.PROTOCOL_VERSION) + p.string(session)
        )
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

    def _send(self, op: int, payload: bytes) -> int:
        rid = self._next_id
        self._next_id = (rid + 1) & 0xFFFFFFFF or 1
        try:
            self._sock.sendall(p.frame(op, rid, payload))
        except OSError as exc:
            self.close()
            raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc
        return rid

    def _recv_exact(self, n: int) -> bytearray:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            try:
                k = self._sock.recv_into(view[got:], n - got)
            except OSError as exc:
                self.close()
                raise SidecarDisconnected(f"sidecar connection lost: {exc}") from exc
            if k == 0:
                self.close()
                raise SidecarDisconnected("sidecar closed the connection")
            got += k
        return buf

    def _read_reply(self):
        (length,) = _LEN.unpack(self._recv_exact(4))
        body = self._recv_exact(length)
        status = body[0]
        (rid,) = _LEN.unpack_from(body, 1)
        reader = p.Reader(body, 5)
        if status == 0:
            return rid, None, reader
        code = reader.u16()
        return rid, p.SidecarError(code, reader.str()), None

    def call(self, op: int, payload: bytes = b"") -> p.Reader:
        """Sends a request and waits for its reply; raises SidecarError for an error reply."""
        rid = self._send(op, payload)
        while True:
            got, err, reader = self._read_reply()
            if got == rid:
                if err is not None:
                    raise err
                return reader
            callback = self._posted.pop(got, None)
            if callback is not None:
                callback(err, reader)
            elif err is not None and got == 0:
                self.close()
                raise err

    def post(
        self,
        op: int,
        payload: bytes,
        callback: Callable[[Optional[p.SidecarError], Optional[p.Reader]], None],
    ) -> None:
        """Sends a request without waiting; ``callback`` runs when a later call drains its reply."""
        rid = self._send(op, payload)
        self._posted[rid] = callback

    def drain(self) -> None:
        """Waits for every posted reply."""
        while self._posted:
            got, err, reader = self._read_reply()
            callback = self._posted.pop(got, None)
            if callback is not None:
                callback(err, reader)
