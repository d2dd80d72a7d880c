"""Stand-in for sglang.srt.server_args: the grammar-backend choice list and its extension hook."""

from dataclasses import dataclass
from typing import Optional

GRAMMAR_BACKEND_CHOICES = ["xgrammar", "outlines", "llguidance", "none"]
add_grammar_backend_choices = GRAMMAR_BACKEND_CHOICES.extend


@dataclass
class ServerArgs:
    grammar_backend: str = "xgrammar"
    tokenizer_path: Optional[str] = None
    model_path: Optional[str] = None
    reasoning_parser: Optional[str] = None
    constrained_json_disable_any_whitespace: bool = False
