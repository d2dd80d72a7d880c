"""A minimal stand-in for SGLang, written for logitkit_sglang's tests (not SGLang's code)."""

__version__ = "0.0.0+logitkit-test-stub"
