"""The shared-memory file the sidecar writes mask rows into (normally under /dev/shm)."""

from __future__ import annotations

import mmap
import os
import secrets
import tempfile


def _shm_dir() -> str:
    override = os.environ.get("LOGITKIT_SHM_DIR")
    if override:
        return override
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return tempfile.gettempdir()


#: Mask tensors handed to SGLang live in a ring of this many slots, so a mask stays intact until this many more
#: masks were allocated (SGLang uses each mask within its decode step); one more slot is the staging area for
#: masks that are not ours.
RING_SLOTS = 4


class MaskBuffer:
    """``slots × slot_rows`` rows of ``words_per_row`` int32 words in a private tmpfs file, mapped here and
    written by the sidecar, plus one control row. Slots ``0 .. RING_SLOTS-1`` back mask tensors, slot
    ``RING_SLOTS`` is staging; the last row (``control_row``) receives FILL_AHEAD's control records."""

    def __init__(self, slot_rows: int, words_per_row: int):
        self.slot_rows = slot_rows
        self.slots = RING_SLOTS + 1
        rows = slot_rows * self.slots + 1
        self.control_row = rows - 1
        self.rows = rows
        self.words_per_row = words_per_row
        self.row_bytes = words_per_row * 4
        self.path = os.path.join(
            _shm_dir(), f"logitkit-{os.getpid()}-{secrets.token_hex(6)}.mask"
        )
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, rows * self.row_bytes)
            self.map = mmap.mmap(fd, rows * self.row_bytes)
        finally:
            os.close(fd)
        self._torch_view = None

    @property
    def staging_base(self) -> int:
        """First row of the staging slot."""
        return RING_SLOTS * self.slot_rows

    def row(self, index: int) -> memoryview:
        """Row ``index`` as bytes (a view into the mapping)."""
        start = index * self.row_bytes
        return memoryview(self.map)[start : start + self.row_bytes]

    def torch_view(self):
        """The buffer as a ``[rows, words]`` int32 torch tensor sharing memory (torch must be installed)."""
        if self._torch_view is None:
            import torch

            self._torch_view = torch.frombuffer(self.map, dtype=torch.int32).view(
                self.rows, self.words_per_row
            )
        return self._torch_view

    def close(self) -> None:
        """Unlinks the file. The mapping is unmapped now if no torch view was ever made; otherwise when the last
        tensor viewing it is garbage collected (torch holds a reference to the mmap object, but an explicit
        ``mmap.close()`` would unmap memory those tensors still point to)."""
        if self._torch_view is None:
            try:
                self.map.close()
            except BufferError:
                pass  # a memoryview of the mapping is still alive; it is unmapped when collected
        self._torch_view = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
