"""Starting, supervising and talking to the logitkit sidecar (a Node process)."""

from __future__ import annotations

import atexit
import collections
import itertools
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence, Tuple

from . import protocol as p
from .connection import Connection, SidecarDisconnected
from .mask_buffer import RING_SLOTS, MaskBuffer

logger = logging.getLogger("logitkit_sglang.sidecar")

MIN_NODE_MAJOR = 20
REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_MAIN = REPO_ROOT / "dist" / "cli" / "main.js"


class FillResult(NamedTuple):
    """What the sidecar reports about one FILL_BATCH."""

    #: Per-row status bytes (``protocol.ROW_*`` bits), in request order (empty for a fill made ahead).
    status: bytes
    #: Time computing the masks (the matchers' own work).
    compute_us: float
    #: Time comparing rows with the shared file's content and writing the changed ones.
    write_us: float
    #: Engine time of this session's accepts and rollbacks since the previous fill.
    accept_us: float
    #: Rows the sidecar actually wrote (unchanged rows are skipped).
    rows_written: int


class SidecarUnavailable(RuntimeError):
    """The sidecar cannot be started: Node.js or the logitkit package is missing, or it keeps crashing."""


class SidecarRestarted(SidecarDisconnected):
    """The sidecar crashed and was restarted; every handle of the previous process is gone."""


def find_node() -> str:
    """Path of a Node.js >= 20 binary (``LOGITKIT_NODE`` or ``node`` on PATH), or a clear error."""
    node = os.environ.get("LOGITKIT_NODE") or shutil.which("node")
    if not node:
        raise SidecarUnavailable(
            "logitkit_sglang needs Node.js >= 20 to run the logitkit sidecar, and no `node` was found on PATH "
            "(install it from https://nodejs.org or your package manager, or set LOGITKIT_NODE=/path/to/node)"
        )
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        major = int(out.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise SidecarUnavailable(f"cannot run {node} --version: {exc}") from exc
    if major < MIN_NODE_MAJOR:
        raise SidecarUnavailable(f"logitkit needs Node.js >= {MIN_NODE_MAJOR}, {node} is {out}")
    return node


def find_sidecar_command() -> List[str]:
    """The command that runs ``logitkit sidecar``: ``LOGITKIT_SIDECAR_COMMAND``, this checkout's build, or the
    ``logitkit`` executable of a global npm install."""
    override = os.environ.get("LOGITKIT_SIDECAR_COMMAND")
    if override:
        return shlex.split(override)
    if CHECKOUT_MAIN.is_file():
        return [find_node(), str(CHECKOUT_MAIN), "sidecar"]
    installed = shutil.which("logitkit")
    if installed:
        find_node()
        return [installed, "sidecar"]
    if (REPO_ROOT / "src" / "cli").is_dir():
        raise SidecarUnavailable(
            f"the logitkit checkout at {REPO_ROOT} is not built ({CHECKOUT_MAIN} is missing): "
            "run `npm install && npm run build` there"
        )
    raise SidecarUnavailable(
        "the logitkit sidecar was not found: install it with `npm install -g logitkit` (puts `logitkit` on PATH) "
        "or set LOGITKIT_SIDECAR_COMMAND to the command that runs `logitkit sidecar`"
    )


class Sidecar:
    """A supervised sidecar process and the client side of its protocol.

    Each thread gets its own connection (joined to one session, so handles are shared). If the process dies it
    is restarted on the next call (at most ``max_restarts`` times per ``restart_window`` seconds) and the call
    raises SidecarRestarted so grammar objects rebuild their state (``generation`` counts processes).
    """

    def __init__(
        self,
        *,
        tokenizer_path: Optional[str] = None,
        preset: Optional[str] = None,
        vocab_size: Optional[int] = None,
        eos_token_ids: Optional[Sequence[int]] = None,
        command: Optional[Sequence[str]] = None,
        socket_path: Optional[str] = None,
        startup_timeout: float = 120.0,
        max_restarts: int = 5,
        restart_window: float = 60.0,
        extra_args: Sequence[str] = (),
        call_timeout: Optional[float] = None,
    ):
        if socket_path is None and not tokenizer_path and not preset:
            raise ValueError("Sidecar needs tokenizer_path or preset (or socket_path of a running sidecar)")
        self._tokenizer_path = tokenizer_path
        self._preset = preset
        self._vocab_size = vocab_size
        self._eos = list(eos_token_ids) if eos_token_ids else []
        self._command = list(command) if command else None
        self._external_socket = socket_path
        self._startup_timeout = startup_timeout
        self._max_restarts = max_restarts
        self._restart_window = restart_window
        self._extra_args = list(extra_args)
        # A sidecar that does not answer within this many seconds is treated as crashed (killed and restarted).
        self._call_timeout = call_timeout or float(os.environ.get("LOGITKIT_SIDECAR_TIMEOUT", "300"))
        self._lock = threading.RLock()
        self._local = threading.local()
        self._restarts: collections.deque = collections.deque()
        self._stderr_tail: collections.deque = collections.deque(maxlen=80)
        self._proc: Optional[subprocess.Popen] = None
        self._tmpdir: Optional[str] = None
        self._buffer: Optional[MaskBuffer] = None
        self._frees: List[int] = []
        self._connections: List[Connection] = []
        self._closed = False
        # Which FILL_BATCH last wrote each buffer row, so a grammar can tell whether its row is still its own
        # (serials are never reused, so a row of a replaced buffer never matches a later fill's serial).
        self.fill_serial = 0
        self.row_serial: List[int] = []
        #: The attached buffer's mapping and row size (read by the plugin's accept_token for the mask bit).
        self.mask_map = None
        self.row_bytes = 0
        # Rows Python wrote itself since the sidecar last wrote them: sent with the next FILL_BATCH, so the
        # sidecar does not skip them as "unchanged".
        self._clobbered: List[int] = []
        # Ring slots handed out as mask tensors and not yet consumed (applied, or copied to another device).
        self._slot_busy = [False] * RING_SLOTS
        self._last_slot = RING_SLOTS - 1
        #: What the sidecar reported about the latest FILL_BATCH (diagnostics and tests).
        self.last_fill: Optional[FillResult] = None
        #: The plugin's fill-ahead plan for the next step (see backend._AheadPlan); None when there is none.
        self.ahead = None
        self._ahead_ticket = 0
        # Matcher handles this client chooses (CREATE_MATCHER_AS): unique for the whole client, so across restarts.
        self._client_handles = itertools.count(p.CLIENT_HANDLE_BASE)
        #: Fills served from a fill ahead whose rows were written before the fill asked (benchmarks).
        self.ahead_hits = 0
        #: When a list, every FillResult (FILL_BATCH replies and the fill-ahead records used) is appended to it:
        #: a step's fills, for benchmarks.
        self.fill_log: Optional[list] = None
        self.session = os.urandom(16).hex()
        self.generation = 0
        self.socket_path = ""
        self._start()
        atexit.register(self.close)

    # -- process management -------------------------------------------------------------------------------

    def _spawn_args(self) -> List[str]:
        cmd = self._command or find_sidecar_command()
        args = list(cmd) + ["--socket", self.socket_path, "--exit-on-stdin-close"]
        if self._preset:
            args += ["--preset", self._preset]
        if self._tokenizer_path:
            args += ["--tokenizer", self._tokenizer_path]
        if self._vocab_size:
            args += ["--vocab-size", str(self._vocab_size)]
        if self._eos:
            args += ["--eos-ids", ",".join(str(i) for i in self._eos)]
        return args + self._extra_args

    def _start(self) -> None:
        if self._external_socket:
            self.socket_path = self._external_socket
        else:
            self._tmpdir = self._tmpdir or tempfile.mkdtemp(prefix="logitkit-sidecar-")
            self.socket_path = os.path.join(self._tmpdir, "sidecar.sock")
            if os.path.exists(self.socket_path):
                os.unlink(self.socket_path)
            args = self._spawn_args()
            logger.info("starting logitkit sidecar: %s", shlex.join(args))
            try:
                self._proc = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
            except OSError as exc:
                raise SidecarUnavailable(f"cannot start the logitkit sidecar ({args[0]}): {exc}") from exc
            threading.Thread(
                target=self._pump_stderr, args=(self._proc,), name="logitkit-sidecar-stderr", daemon=True
            ).start()
        conn = self._wait_ready()
        for old in self._connections:
            old.close()
        self._connections = [conn]
        self.generation += 1
        conn.generation = self.generation
        self._local.conn = conn
        self.vocab_size = conn.vocab_size
        self.words_per_row = conn.words_per_row
        self.eos_token_ids = list(conn.eos_token_ids)
        self.stop_token_ids = frozenset(self.eos_token_ids)
        self.sidecar_version = conn.sidecar_version
        self.description = conn.description
        self._frees = []
        if self._buffer is not None:
            slot_rows = self._buffer.slot_rows
            self._buffer.close()
            self._buffer = None
            self._ensure_slot_rows(conn, slot_rows)

    def _pump_stderr(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self._stderr_tail.append(line)
            logger.info("[sidecar] %s", line)

    def _stderr_text(self) -> str:
        time.sleep(0.05)
        return "\n".join(self._stderr_tail) or "(no output)"

    def _wait_ready(self) -> Connection:
        deadline = time.monotonic() + self._startup_timeout
        last: Optional[Exception] = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                status = self._proc.returncode
                message = self._stderr_text()
                self._kill()
                raise SidecarUnavailable(f"the logitkit sidecar exited with status {status} during startup:\n{message}")
            if os.path.exists(self.socket_path):
                try:
                    return Connection(self.socket_path, self.session, self._call_timeout)
                except SidecarDisconnected as exc:
                    last = exc
                except p.SidecarError as exc:
                    raise SidecarUnavailable(f"sidecar handshake failed: {exc}") from exc
            time.sleep(0.02)
        self._kill()
        raise SidecarUnavailable(
            f"the logitkit sidecar did not become ready within {self._startup_timeout:.0f} s ({last}):\n"
            + self._stderr_text()
        )

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (proc.stdin, proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass

    @property
    def pid(self) -> Optional[int]:
        """Process id of the managed sidecar (None for an external one)."""
        return self._proc.pid if self._proc else None

    def _recover(self, failed_generation: int) -> None:
        with self._lock:
            if self._closed:
                raise SidecarUnavailable("the logitkit sidecar was closed")
            if self.generation != failed_generation:
                return  # another thread already restarted it
            now = time.monotonic()
            while self._restarts and now - self._restarts[0] > self._restart_window:
                self._restarts.popleft()
            if len(self._restarts) >= self._max_restarts:
                raise SidecarUnavailable(
                    f"the logitkit sidecar crashed {len(self._restarts) + 1} times within "
                    f"{self._restart_window:.0f} s; giving up. Last output:\n" + self._stderr_text()
                )
            self._restarts.append(now)
            status = self._proc.poll() if self._proc else None
            logger.error(
                "logitkit sidecar connection lost (exit status %s); restarting. Last output:\n%s",
                status,
                self._stderr_text(),
            )
            self._kill()
            self._start()

    # -- calls --------------------------------------------------------------------------------------------

    def connection(self) -> Connection:
        """This thread's connection to the current sidecar process."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and conn.generation == self.generation:
            return conn
        if conn is not None:
            conn.close()
        generation = self.generation
        try:
            conn = Connection(self.socket_path, self.session, self._call_timeout)
        except SidecarDisconnected:
            self._recover(generation)
            raise SidecarRestarted("the logitkit sidecar was restarted")
        conn.generation = generation
        self._local.conn = conn
        with self._lock:
            self._connections = [c for c in self._connections if not c.closed] + [conn]
        return conn

    def call(self, op: int, payload: bytes = b"") -> p.Reader:
        """One request/reply. Raises SidecarError for an error reply and SidecarRestarted after a crash."""
        if self._closed:
            raise SidecarUnavailable("the logitkit sidecar was closed")
        conn = self.connection()
        try:
            if self._frees:
                self._post_frees(conn)
            return conn.call(op, payload)
        except SidecarDisconnected:
            self._recover(conn.generation)
            raise SidecarRestarted("the logitkit sidecar crashed and was restarted") from None

    def post(self, op: int, payload: bytes, callback) -> None:
        """Buffers a request on this thread's connection; it goes out with the thread's next call, and
        ``callback(error, reader)`` runs when that call drains the reply. Lost if the sidecar crashes first."""
        conn = self.connection()
        try:
            conn.post(op, payload, callback)
        except SidecarDisconnected:
            self._recover(conn.generation)
            raise SidecarRestarted("the logitkit sidecar crashed and was restarted") from None

    def post_create_matcher(
        self, grammar: int, flags: int = 0, stop_token_ids: Sequence[int] = (), on_error=None
    ) -> int:
        """CREATE_MATCHER_AS under a new client-chosen handle, returned at once: the frame goes out with this
        thread's next call (no round trip; requests are handled in order, so that call can already use the handle).
        ``on_error(message)`` runs if the sidecar refuses it (the handle is then unknown to it)."""
        handle = next(self._client_handles)
        if handle > 0xFFFFFFFF:
            raise SidecarUnavailable("client-chosen matcher handles exhausted (2**31 matchers in one process)")
        payload = p.u32(handle) + p.u32(grammar) + p.u8(flags) + p.u32_array(list(stop_token_ids))

        def done(err, reader) -> None:
            if err is not None and on_error is not None:
                on_error(str(err))

        conn = self.connection()
        conn.post_quiet(p.OP_CREATE_MATCHER_AS, payload, done)
        return handle

    def post_accept(self, handle: int, token: int, owner) -> None:
        """Buffers an accept on this thread's connection; the accepts of a step travel as one ACCEPT_TOKENS frame
        with the thread's next call, and ``owner.accept_failed(token, result, error)`` runs for any the sidecar did
        not accept. Lost if the sidecar crashes first (grammars replay their tokens after a restart)."""
        conn = getattr(self._local, "conn", None)  # once per request and decode step: connection() only if needed
        if conn is None or conn.closed or conn.generation != self.generation:
            conn = self.connection()
        try:
            conn.post_accept(handle, token, owner)
        except SidecarDisconnected:
            self._recover(conn.generation)
            raise SidecarRestarted("the logitkit sidecar crashed and was restarted") from None

    def flush_posts(self) -> None:
        """Sends this thread's buffered posts and accepts now (no reply awaited)."""
        conn = self.connection()
        try:
            conn.flush()
        except SidecarDisconnected:
            self._recover(conn.generation)
            raise SidecarRestarted("the logitkit sidecar crashed and was restarted") from None

    def _post_frees(self, conn: Connection) -> None:
        with self._lock:
            handles, self._frees = self._frees, []
        if handles:
            conn.post(p.OP_FREE_MATCHERS, p.u32_array(handles), _ignore_reply)

    def free_matcher_later(self, generation: int, handle: int) -> None:
        """Queues a matcher for freeing with the next call (safe from ``__del__`` on any thread)."""
        if generation == self.generation and not self._closed:
            with self._lock:
                self._frees.append(handle)

    def _ensure_slot_rows(self, conn: Connection, rows: int) -> MaskBuffer:
        """The current buffer, replaced by a larger one (slot rows doubled) when a batch has more rows."""
        buf = self._buffer
        if buf is not None and buf.slot_rows >= rows:
            return buf
        with self._lock:
            buf = self._buffer
            if buf is not None and buf.slot_rows >= rows:
                return buf
            new = MaskBuffer(max(rows, 2 * buf.slot_rows if buf else 64), self.words_per_row)
            conn.call(p.OP_ATTACH_BUFFER, p.string(new.path) + p.u32(new.rows))
            self._buffer = new
            self.row_serial = [0] * new.rows
            self.mask_map = new.map
            self.row_bytes = new.row_bytes
            self._clobbered = []
            self._slot_busy = [False] * RING_SLOTS
            self._last_slot = RING_SLOTS - 1
            if buf is not None:
                buf.close()  # the mapping outlives this while mask tensors still view it
            return new

    def _buffer_for(self, rows: int) -> MaskBuffer:
        conn = self.connection()
        try:
            return self._ensure_slot_rows(conn, rows)
        except SidecarDisconnected:
            self._recover(conn.generation)
            raise SidecarRestarted("the logitkit sidecar crashed and was restarted") from None

    def staging(self, rows: int) -> Tuple[MaskBuffer, int]:
        """A buffer with at least ``rows`` staging rows, and the first staging row."""
        buf = self._buffer_for(rows)
        return buf, buf.staging_base

    def ring_slot(self, rows: int) -> Tuple[MaskBuffer, int]:
        """A ring slot for a new mask tensor of ``rows`` rows: its buffer and first row.

        The slot of the previous mask is taken again once that mask was consumed (``release_slot``): the batch's
        rows then usually receive the same requests' masks as one step earlier, and rows whose mask did not
        change are not rewritten by the sidecar. A mask still in use is never handed out again: then the next
        free slot is taken (the oldest one when all are in use)."""
        buf = self._buffer_for(rows)
        with self._lock:
            busy = self._slot_busy
            last = self._last_slot
            slot = last
            if busy[last]:
                free = [k for k in range(1, RING_SLOTS) if not busy[(last + k) % RING_SLOTS]]
                slot = (last + (free[0] if free else 1)) % RING_SLOTS
            busy[slot] = True
            self._last_slot = slot
        return buf, slot * buf.slot_rows

    def release_slot(self, buf: MaskBuffer, base: int) -> None:
        """The mask tensor at ``base`` was consumed (applied, or copied to another device): its slot may be
        handed out again."""
        if buf is self._buffer:
            self._slot_busy[base // buf.slot_rows] = False

    def fill(
        self,
        buf: MaskBuffer,
        handles: Sequence[int],
        rows: Sequence[int],
        flags: int = 0,
        ones_rows: Sequence[int] = (),
    ) -> FillResult:
        """FILL_BATCH into ``buf`` (absolute rows): each matcher's next mask into ``rows[i]``, all ones into
        ``ones_rows``. Raises SidecarRestarted when ``buf`` is no longer the attached buffer."""
        if buf is not self._buffer:
            raise SidecarRestarted("the mask buffer was replaced; retry")
        clobbered = self._clobbered
        if clobbered:
            self._clobbered = []
        payload = p.fill_payload(flags, handles, rows, ones_rows, clobbered)
        self.fill_serial += 1
        serial = self.fill_serial
        serials = self.row_serial
        if type(rows) is range and rows.step == 1 and 0 <= rows.start <= rows.stop <= len(serials):
            serials[rows.start : rows.stop] = itertools.repeat(serial, len(rows))
        else:
            for r in rows:
                serials[r] = serial
        for r in ones_rows:
            serials[r] = serial
        try:
            r = self.call(p.OP_FILL_BATCH, payload)
        except p.SidecarError:
            self._clobbered.extend(clobbered)  # nothing was written or forgotten
            raise
        n = r.u32()
        status = r.data[r.pos : r.pos + n]
        r.pos += n
        self.last_fill = FillResult(status, r.f64(), r.f64(), r.f64(), r.u32())
        if self.fill_log is not None:
            self.fill_log.append(self.last_fill)
        return self.last_fill

    def fill_ahead(self, buf: MaskBuffer, handles: Sequence[int], rows: range) -> int:
        """Sends FILL_AHEAD now (no reply awaited): the sidecar computes these matchers' next masks into ``rows``
        while the caller goes on. Returns the ticket that ``ahead_result`` finds in the control row once the rows
        are written, or 0 when nothing was sent (buffer replaced, the slot's mask still in use, or the connection
        lost — the next call recovers)."""
        if buf is not self._buffer or self._slot_busy[rows.start // buf.slot_rows]:
            return 0
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.generation != self.generation:
            return 0
        clobbered = self._clobbered
        if clobbered:
            self._clobbered = []
        ticket = self._ahead_ticket = self._ahead_ticket % 0xFFFFFFFF + 1
        payload = p.fill_payload(0, handles, rows, (), clobbered) + p.u32(ticket) + p.u32(buf.control_row)
        # The rows are the sidecar's from now on: no grammar may decide an accept from them.
        self.row_serial[rows.start : rows.stop] = itertools.repeat(0, len(rows))

        def failed(err, reader) -> None:
            if err is not None:
                logger.warning("logitkit sidecar: fill ahead failed (the next fill is made synchronously): %s", err)
                if buf is self._buffer:
                    self._clobbered.extend(clobbered)  # nothing was written or forgotten

        try:
            conn.post_quiet(p.OP_FILL_AHEAD, payload, failed)
            conn.flush()
        except SidecarDisconnected:
            return 0
        return ticket

    def ahead_result(self, buf: MaskBuffer, ticket: int, wait: bool) -> Optional[FillResult]:
        """The control record of the FILL_AHEAD with ``ticket`` once its rows are written (read from shared
        memory: no syscall), else None. ``wait``: if not written yet, wait for it with one PING (requests are
        handled in order, so the fill is done when the reply arrives)."""
        if buf is not self._buffer:
            return None
        record = p.CONTROL_RECORD.unpack_from(buf.map, buf.control_row * buf.row_bytes)
        if record[0] == ticket:
            pass
        elif wait:
            self.call(p.OP_PING)
            record = p.CONTROL_RECORD.unpack_from(buf.map, buf.control_row * buf.row_bytes)
            if record[0] != ticket:
                return None
        else:
            return None
        self.last_fill = FillResult(b"", record[2], record[3], record[4], record[5])
        if self.fill_log is not None:
            self.fill_log.append(self.last_fill)
        return self.last_fill

    def ahead_written(self, buf: MaskBuffer, ticket: int) -> bool:
        """Whether the fill ahead with ``ticket`` has written its rows (one read of shared memory)."""
        if buf is not self._buffer:
            return False
        return p.CONTROL_RECORD.unpack_from(buf.map, buf.control_row * buf.row_bytes)[0] == ticket

    def claim_rows(self, rows: Sequence[int]) -> int:
        """Marks buffer ``rows`` (written by a fill ahead) as the output of a new fill serial, returned."""
        self.fill_serial += 1
        serial = self.fill_serial
        serials = self.row_serial
        for r in rows:
            serials[r] = serial
        return serial

    @property
    def buffer(self) -> Optional[MaskBuffer]:
        """The shared buffer currently attached."""
        return self._buffer

    def forget_rows(self, buf: MaskBuffer, rows: Sequence[int]) -> None:
        """Marks rows as no longer holding a fill's output for any grammar (accept_token stops trusting them)."""
        if buf is self._buffer:
            serials = self.row_serial
            if type(rows) is range and rows.step == 1 and 0 <= rows.start <= rows.stop <= len(serials):
                serials[rows.start : rows.stop] = itertools.repeat(0, len(rows))
            else:
                for r in rows:
                    serials[r] = 0

    def rows_written(self, buf: MaskBuffer, rows: Sequence[int]) -> None:
        """Python wrote these rows itself: forget them here and tell the sidecar with the next fill."""
        if buf is self._buffer:
            self.forget_rows(buf, rows)
            self._clobbered.extend(rows)

    def compile(self, key_type: str, key: str, flags: int = 0):
        """COMPILE; returns ``(handle, compile_ms, cache_hit)`` or raises SidecarError (code ERR_COMPILE_ERROR).
        ``flags``: ``COMPILE_FLAG_JSON_FIXED_WHITESPACE`` for SGLang's --constrained-json-disable-any-whitespace."""
        r = self.call(p.OP_COMPILE, p.u8(p.KEY_TYPES[key_type]) + p.u8(flags) + p.string(key))
        return r.u32(), r.f64(), r.u8() == 1

    def close(self) -> None:
        """Stops the sidecar and removes its socket and buffer."""
        if self._closed:
            return
        self._closed = True
        for conn in self._connections + [getattr(self._local, "conn", None)]:
            if conn is not None:
                conn.close()
        self._kill()
        self.row_serial = [0] * len(self.row_serial)  # no row is a fill's output any more
        self.mask_map = None
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def _ignore_reply(err, reader) -> None:
    if err is not None:
        logger.debug("sidecar free failed: %s", err)
