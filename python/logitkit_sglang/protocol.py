"""Wire format of the logitkit sidecar protocol (docs/sidecar-protocol.md).

Every frame is ``u32 body_length`` followed by the body. Requests are ``u8 op, u32 request_id, payload``; replies
are ``u8 status, u32 request_id, payload`` (status 1: ``u16 code, str message``). Little-endian; ``str`` is
``u32 length`` + UTF-8. Masks never travel in frames: FILL_BATCH writes rows into a shared-memory file.
"""

from __future__ import annotations

import struct

PROTOCOL_VERSION = 4
HELLO_MAGIC = 0x43534B4C  # "LKSC" little-endian

OP_HELLO = 0x01
OP_ATTACH_BUFFER = 0x02
OP_COMPILE = 0x03
OP_FREE_GRAMMAR = 0x04
OP_CREATE_MATCHER = 0x05
OP_FORK_MATCHER = 0x06
OP_FREE_MATCHERS = 0x07
OP_ACCEPT_TOKEN = 0x08
OP_ROLLBACK = 0x09
OP_QUERY_STATE = 0x0A
OP_JUMP_FORWARD = 0x0B
OP_FILL_BATCH = 0x0C
OP_RESET_MATCHER = 0x0D
OP_REFERENCE_MASK = 0x0E
OP_PING = 0x0F
OP_ACCEPT_TOKENS = 0x10
OP_ACCEPT_TOKENS_QUIET = 0x11  # ACCEPT_TOKENS answered only when some entry was not accepted
OP_FILL_AHEAD = 0x12  # FILL_BATCH without a reply; a control record with the ticket is written after the rows
OP_CREATE_MATCHER_AS = 0x13  # CREATE_MATCHER under a client-chosen handle, answered only on error
CLIENT_HANDLE_BASE = 0x80000000  # client-chosen matcher handles are at least this

ACCEPT_OK = 1  # ACCEPT_TOKENS result bits: accepted,
ACCEPT_TERMINATED = 2  # the matcher is terminated after the call,
ACCEPT_UNKNOWN_HANDLE = 4  # no matcher has this handle

KEY_TYPES = {"json": 0, "regex": 1, "ebnf": 2, "structural_tag": 3}

ERR_MALFORMED_FRAME = 1
ERR_UNKNOWN_OP = 2
ERR_NOT_HANDSHAKEN = 3
ERR_VERSION_MISMATCH = 4
ERR_UNKNOWN_HANDLE = 5
ERR_COMPILE_ERROR = 6
ERR_BAD_ARGUMENT = 7
ERR_NO_BUFFER = 8
ERR_INTERNAL = 9

COMPILE_FLAG_JSON_FIXED_WHITESPACE = 1
FILL_FLAG_TRANSPORT_ONLY = 1
MATCHER_FLAG_TERMINATE_WITHOUT_STOP = 1
ROW_FILLED = 0
ROW_TERMINATED = 1  # status bit: the matcher is terminated, the row holds all ones
ROW_UNCHANGED = 2  # status bit: the row already held exactly this mask and was not rewritten

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_F64 = struct.Struct("<d")
_HEADER = struct.Struct("<IBI")  # body length, op/status, request id
#: FILL_AHEAD control record: ticket, n, computeMicros, writeMicros, acceptMicros, rowsWritten, reserved.
CONTROL_RECORD = struct.Struct("<IIdddII")


class SidecarError(RuntimeError):
    """An error reply from the sidecar; ``code`` is one of the ``ERR_*`` constants."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def frame(op: int, request_id: int, payload: bytes = b"") -> bytes:
    """A complete request frame."""
    return _HEADER.pack(5 + len(payload), op, request_id) + payload


def u8(v: int) -> bytes:
    return _U8.pack(v)


def u16(v: int) -> bytes:
    return _U16.pack(v)


def u32(v: int) -> bytes:
    return _U32.pack(v)


def i32(v: int) -> bytes:
    return _I32.pack(v)


_FILL_STRUCTS: dict = {}


def fill_payload(flags: int, handles, rows, ones_rows=(), clobbered_rows=()) -> bytes:
    """FILL_BATCH payload: ``u8 flags, u32 n, n × u32 handle, n × u32 row, u32[] onesRows, u32[] clobberedRows``."""
    n = len(handles)
    key = (n, len(ones_rows), len(clobbered_rows))
    st = _FILL_STRUCTS.get(key)
    if st is None:
        st = struct.Struct(f"<BI{2 * n}II{key[1]}II{key[2]}I")
        if len(_FILL_STRUCTS) > 1024:
            _FILL_STRUCTS.clear()
        _FILL_STRUCTS[key] = st
    return st.pack(flags, n, *handles, *rows, key[1], *ones_rows, key[2], *clobbered_rows)


def string(s: str) -> bytes:
    data = s.encode("utf-8")
    return _U32.pack(len(data)) + data


def u32_array(values) -> bytes:
    values = list(values)
    return _U32.pack(len(values)) + struct.pack(f"<{len(values)}I", *values)


class Reader:
    """Sequential reader over a reply payload."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def u8(self) -> int:
        v = self.data[self.pos]
        self.pos += 1
        return v

    def u16(self) -> int:
        (v,) = _U16.unpack_from(self.data, self.pos)
        self.pos += 2
        return v

    def u32(self) -> int:
        (v,) = _U32.unpack_from(self.data, self.pos)
        self.pos += 4
        return v

    def f64(self) -> float:
        (v,) = _F64.unpack_from(self.data, self.pos)
        self.pos += 8
        return v

    def str(self) -> str:
        n = self.u32()
        s = bytes(self.data[self.pos : self.pos + n]).decode("utf-8")
        self.pos += n
        return s

    def u32_array(self) -> list:
        n = self.u32()
        vals = list(struct.unpack_from(f"<{n}I", self.data, self.pos))
        self.pos += 4 * n
        return vals

    def raw(self, n: int) -> bytes:
        b = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return b
