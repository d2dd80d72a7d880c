"""Stand-in for sglang.srt.constrained.base_grammar_backend, reduced to the interface SGLang's scheduler uses
(new-style: InvalidGrammarObject, GrammarRow batched fills, a registry). Written for the tests."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Tuple

GRAMMAR_BACKEND_REGISTRY = {}


@dataclass
class GrammarStats:
    compilation_time: Optional[float] = None
    is_cache_hit: bool = False
    tree_traversal_time: List[float] = field(default_factory=list)
    dispatch_type: Optional[str] = None


class GrammarRow(NamedTuple):
    row: int
    grammar: "BaseGrammarObject"


class BaseGrammarObject:
    def __init__(self):
        self._finished = False
        self.grammar_stats = None
        self.current_token = None

    def maybe_init_reasoning(self, reasoning: bool):
        pass

    def accept_token(self, token: int) -> None:
        raise NotImplementedError()

    def rollback(self, k: int):
        raise NotImplementedError()

    def is_terminated(self):
        return False

    def allocate_vocab_mask(self, vocab_size: int, batch_size: int, device):
        raise NotImplementedError()

    def fill_vocab_mask(self, vocab_mask, idx: int) -> None:
        raise NotImplementedError()

    @staticmethod
    def fill_vocab_mask_batched(entries, vocab_mask) -> None:
        for entry in entries:
            entry.grammar.fill_vocab_mask(vocab_mask, entry.row)

    @staticmethod
    def move_vocab_mask(vocab_mask, device):
        raise NotImplementedError()

    @staticmethod
    def apply_vocab_mask(logits, vocab_mask) -> None:
        raise NotImplementedError()

    def copy(self):
        return self

    @property
    def finished(self):
        return self._finished

    @finished.setter
    def finished(self, finished):
        self._finished = finished


class InvalidGrammarObject(BaseGrammarObject):
    def __init__(self, error_message: str = "Unknown grammar error"):
        super().__init__()
        self.error_message = error_message

    def copy(self):
        return InvalidGrammarObject(self.error_message)


class BaseGrammarBackend:
    def __init__(self):
        self.executor = ThreadPoolExecutor()
        self.cache: Dict[Tuple[str, str], BaseGrammarObject] = {}

    def _not_supported(self, key_type, key_string):
        return InvalidGrammarObject()

    def dispatch_fallback(self, key_type, key_string):
        raise ValueError(f"Invalid key_type: {key_type}={key_string}")

    def dispatch_json(self, key_string):
        return self._not_supported("json", key_string)

    def dispatch_regex(self, key_string):
        return self._not_supported("regex", key_string)

    def dispatch_ebnf(self, key_string):
        return self._not_supported("ebnf", key_string)

    def dispatch_structural_tag(self, key_string):
        return self._not_supported("structural_tag", key_string)

    def _init_value_dispatch(self, key, require_reasoning):
        key_type, key_string = key
        dispatch = {
            "json": self.dispatch_json,
            "regex": self.dispatch_regex,
            "ebnf": self.dispatch_ebnf,
            "structural_tag": self.dispatch_structural_tag,
        }.get(key_type)
        if dispatch is None:
            return self.dispatch_fallback(key_type, key_string)
        return dispatch(key_string)

    def get_cached_or_future_value(self, key, require_reasoning):
        value = self.cache.get(key)
        if value is not None:
            copied = value.copy()
            copied.maybe_init_reasoning(require_reasoning)
            return copied, True
        return self.executor.submit(self._init_value_dispatch, key, require_reasoning), False

    def set_cache(self, key, value):
        self.cache[key] = value

    def reset(self):
        self.cache.clear()


def register_grammar_backend(name, init_func):
    GRAMMAR_BACKEND_REGISTRY[name] = init_func


def create_grammar_backend(server_args, tokenizer, vocab_size, eos_token_ids=None, think_end_id=None):
    name = server_args.grammar_backend
    if name in GRAMMAR_BACKEND_REGISTRY:
        return GRAMMAR_BACKEND_REGISTRY[name](server_args, tokenizer, vocab_size, eos_token_ids)
    raise ValueError(f"Invalid grammar backend: {name}")
