"""``python -m logitkit_sglang.launch_server ...``: SGLang's launch_server with the logitkit backend registered.

Arguments are SGLang's; ``--grammar-backend logitkit`` is added unless another backend is given. Registration
runs at import time so SGLang's spawned scheduler processes (which re-import the main module) see it too.
"""

from __future__ import annotations

import runpy
import sys

from .registration import BACKEND_NAME, register

register()


def main(argv=None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--grammar-backend" or a.startswith("--grammar-backend=") for a in args):
        args += ["--grammar-backend", BACKEND_NAME]
    sys.argv = ["sglang.launch_server"] + args
    runpy.run_module("sglang.launch_server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
