"""Constants and shorthands shared by the demo writers."""

import datetime

from branches.demo import SURNAMES, Weighted
from ledgers.models import ActivityType

D = datetime.date
T = datetime.time
days = datetime.timedelta
AT = ActivityType

PHOTO_SIZE = (400, 300)
POOL_SIZE = 400  # district scale: generated image files shared by the photo rows
CHANGE_REASON = "演示数据"
CHUNK_BRANCHES = 250  # district scale: branches written per round of COPY

SURNAME_PICK = Weighted(SURNAMES)
YUAN = 100
