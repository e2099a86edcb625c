"""Records and ledgers. Split by subject; everything is importable from ``ledgers.models``."""

from ledgers.models.activities import *  # noqa: F403
from ledgers.models.development import *  # noqa: F403
from ledgers.models.dues import *  # noqa: F403
from ledgers.models.filing import *  # noqa: F403
from ledgers.models.support import *  # noqa: F403
