"""Records and ledgers. Split by subject; everything is importable from ``ledgers.models``."""

from .activities import *  # noqa: F403
from .activities import private_storage  # noqa: F401
from .development import *  # noqa: F403
from .dues import *  # noqa: F403
from .support import *  # noqa: F403
