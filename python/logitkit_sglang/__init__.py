"""logitkit grammar backend for SGLang: a pure-Python plugin that drives the logitkit Node sidecar.

``register()`` adds the ``logitkit`` grammar backend to SGLang (``--grammar-backend logitkit``). Importing this
package needs neither SGLang nor torch; they are imported when actually used.
"""

from .registration import BACKEND_NAME, create_backend, register
from .sidecar import Sidecar, SidecarRestarted, SidecarUnavailable

__version__ = "0.1.0"
__all__ = [
    "BACKEND_NAME",
    "Sidecar",
    "SidecarRestarted",
    "SidecarUnavailable",
    "create_backend",
    "register",
    "__version__",
]
