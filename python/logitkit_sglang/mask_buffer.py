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


class MaskBuffer:
    """``rows × words_per_row`` int32 words in a private tmpfs file, mapped here and written by the sidecar."""

    def __init__(self, rows: int, words_per_row: int):
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
        self._torch_view = None
        try:
            self.map.close()
        except BufferError:
            # A tensor view is still alive somewhere; the mapping goes away with it.
            pass
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
