"""Registering the logitkit backend with SGLang's grammar-backend registry."""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import shutil
import tempfile
from typing import Optional

from .sidecar import Sidecar

logger = logging.getLogger("logitkit_sglang")

BACKEND_NAME = "logitkit"


def _sglang_version() -> str:
    try:
        import sglang

        return getattr(sglang, "__version__", "unknown")
    except ImportError:
        return "not installed"


def register(name: str = BACKEND_NAME) -> None:
    """Registers the backend as ``--grammar-backend <name>`` (SGLang versions with ``register_grammar_backend``).

    Raises ImportError when SGLang is missing and RuntimeError on SGLang versions without the registry.
    """
    try:
        from sglang.srt.constrained import base_grammar_backend as base
    except ImportError as exc:
        raise ImportError(f"logitkit_sglang.register() needs SGLang (`pip install sglang`): {exc}") from exc
    if not hasattr(base, "register_grammar_backend"):
        raise RuntimeError(
            f"SGLang {_sglang_version()} has no grammar-backend registry "
            "(sglang.srt.constrained.base_grammar_backend.register_grammar_backend); third-party backends need a "
            "newer SGLang. Upgrade SGLang (`pip install -U sglang`) or keep --grammar-backend xgrammar."
        )
    base.register_grammar_backend(name, create_backend)
    _add_cli_choice(name)


def _add_cli_choice(name: str) -> None:
    """Lets ``--grammar-backend <name>`` pass argparse's ``choices`` check."""
    for module_name in ("sglang.srt.server_args", "sglang.srt.arg_groups.choices"):
        try:
            module = __import__(module_name, fromlist=["_"])
        except ImportError:
            continue
        add = getattr(module, "add_grammar_backend_choices", None)
        choices = getattr(module, "GRAMMAR_BACKEND_CHOICES", None)
        if isinstance(choices, list) and name in choices:
            return
        if callable(add):
            add([name])
            return
        if isinstance(choices, list):
            choices.append(name)
            return


def _tokenizer_source(server_args, tokenizer) -> dict:
    """Where the sidecar gets the vocabulary: LOGITKIT_PRESET, the tokenizer path, or a saved copy."""
    preset = os.environ.get("LOGITKIT_PRESET")
    if preset:
        return {"preset": preset}
    for candidate in (getattr(server_args, "tokenizer_path", None), getattr(server_args, "model_path", None)):
        if candidate and os.path.isfile(os.path.join(candidate, "tokenizer.json")):
            return {"tokenizer_path": candidate}
        if candidate and candidate.endswith(".json") and os.path.isfile(candidate):
            return {"tokenizer_path": candidate}
    # A hub id or a slow tokenizer: save what the server loaded and hand the files to the sidecar.
    save = getattr(tokenizer, "save_pretrained", None)
    if save is not None:
        target = tempfile.mkdtemp(prefix="logitkit-tokenizer-")
        atexit.register(shutil.rmtree, target, True)
        save(target)
        if os.path.isfile(os.path.join(target, "tokenizer.json")):
            return {"tokenizer_path": target}
    raise RuntimeError(
        "logitkit needs the model's tokenizer.json (a fast tokenizer); none was found at "
        f"{getattr(server_args, 'tokenizer_path', None)!r}. Set LOGITKIT_PRESET (llama-3.1, qwen3, llama-2) or "
        "point --tokenizer-path at a directory with tokenizer.json."
    )


def create_backend(server_args, tokenizer, vocab_size: int, eos_token_ids: Optional[set] = None, *_rest):
    """SGLang's ``init_func``: starts the sidecar for this scheduler process and returns the backend."""
    from .backend import LogitkitGrammarBackend

    source = _tokenizer_source(server_args, tokenizer)
    eos = sorted(int(i) for i in eos_token_ids) if eos_token_ids else None
    sidecar = Sidecar(vocab_size=vocab_size, eos_token_ids=eos, **source)
    any_whitespace = not getattr(server_args, "constrained_json_disable_any_whitespace", False)
    backend = LogitkitGrammarBackend(sidecar, vocab_size, any_whitespace=any_whitespace)
    return _maybe_wrap_reasoner(backend, server_args, tokenizer)


def _maybe_wrap_reasoner(backend, server_args, tokenizer):
    """SGLang wraps built-in backends for reasoning models but returns registry backends as is; do the same
    wrapping here so thinking tokens stay unconstrained."""
    if not getattr(server_args, "reasoning_parser", None):
        return backend
    try:
        from sglang.srt.constrained.reasoner_grammar_backend import ReasonerGrammarBackend
    except ImportError:
        return backend
    params = list(inspect.signature(ReasonerGrammarBackend.__init__).parameters)[1:]
    try:
        if len(params) >= 2 and params[1] == "think_end_id":
            think_end_id = getattr(tokenizer, "think_end_id", None)
            if think_end_id is None:
                return backend
            return ReasonerGrammarBackend(backend, think_end_id)
        from sglang.srt.parser.reasoning_parser import ReasoningParser

        parser = ReasoningParser(model_type=server_args.reasoning_parser, stream_reasoning=False, tokenizer=tokenizer)
        return ReasonerGrammarBackend(
            backend, parser, tokenizer, enable_strict_thinking=getattr(server_args, "enable_strict_thinking", False)
        )
    except Exception as exc:  # noqa: BLE001 - an unknown SGLang layout: constrain everything rather than fail
        logger.warning("could not wrap the logitkit backend for reasoning (%s); thinking tokens are constrained", exc)
        return backend
