"""Stand-in for ``python -m sglang.launch_server``: reports what it was started with (for the launcher test)."""

import json
import sys

from sglang.srt import server_args
from sglang.srt.constrained import base_grammar_backend

if __name__ == "__main__":
    print(
        json.dumps(
            {
                "argv": sys.argv[1:],
                "registered": sorted(base_grammar_backend.GRAMMAR_BACKEND_REGISTRY),
                "choices": server_args.GRAMMAR_BACKEND_CHOICES,
            }
        )
    )
