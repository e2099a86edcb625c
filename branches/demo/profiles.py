"""Member profiles per branch type: gender, age, education, occupation, special situations,
and the years branches of each type were founded."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    female: float
    age: tuple  # low, mode, high
    education: dict
    occupation: dict
    flags: dict  # special situation -> rate among non-core members
    mean_size: float


EDU_OLD = {"junior": 45, "high": 25, "secondary": 15, "college": 10, "bachelor": 5}
PROFILES = {
    "rural": Profile(
        0.27,
        (22, 58, 92),
        {"junior": 38, "high": 24, "secondary": 12, "college": 16, "bachelor": 9, "postgrad": 1},
        {"farmer": 45, "worker": 18, "manager": 6, "other": 8, "retired": 23},
        {
            "probationary": 0.035,
            "pre1949": 0.001,
            "flow_out": 0.04,
            "flow_in": 0.005,
            "kongua": 0.006,
            "lost": 0.004,
            "hardship": 0.03,
            "out": 0.01,
            "deceased": 0.005,
            "expelled": 0.0003,
        },
        40,
    ),
    "community": Profile(
        0.45,
        (22, 60, 92),
        {"junior": 22, "high": 22, "secondary": 12, "college": 20, "bachelor": 20, "postgrad": 4},
        {"retired": 45, "worker": 15, "other": 15, "professional": 10, "manager": 10, "student": 3, "public": 2},
        {
            "probationary": 0.03,
            "pre1949": 0.001,
            "flow_out": 0.02,
            "flow_in": 0.01,
            "kongua": 0.01,
            "lost": 0.004,
            "hardship": 0.03,
            "out": 0.01,
            "deceased": 0.005,
            "expelled": 0.0003,
        },
        35,
    ),
    "organ": Profile(
        0.40,
        (23, 40, 60),
        {"postgrad": 22, "bachelor": 62, "college": 14, "secondary": 2},
        {"public": 100},
        {"probationary": 0.04, "kongua": 0.003, "hardship": 0.005, "out": 0.015, "expelled": 0.0003},
        20,
    ),
    "institution": Profile(
        0.55,
        (23, 38, 60),
        {"postgrad": 30, "bachelor": 55, "college": 12, "secondary": 3},
        {"professional": 80, "public": 15, "manager": 5},
        {"probationary": 0.04, "flow_out": 0.005, "kongua": 0.003, "hardship": 0.005, "out": 0.015, "expelled": 0.0003},
        28,
    ),
    "enterprise": Profile(
        0.30,
        (22, 36, 60),
        {"junior": 5, "high": 15, "secondary": 15, "college": 30, "bachelor": 30, "postgrad": 5},
        {"worker": 40, "manager": 28, "professional": 28, "other": 4},
        {
            "probationary": 0.04,
            "flow_out": 0.01,
            "flow_in": 0.04,
            "kongua": 0.008,
            "lost": 0.003,
            "hardship": 0.005,
            "out": 0.02,
            "expelled": 0.0003,
        },
        18,
    ),
    "social": Profile(
        0.40,
        (22, 45, 75),
        {"high": 20, "secondary": 15, "college": 30, "bachelor": 30, "postgrad": 5},
        {"other": 40, "manager": 30, "professional": 20, "retired": 10},
        {"probationary": 0.03, "flow_in": 0.01, "kongua": 0.01, "lost": 0.003, "hardship": 0.01, "out": 0.01},
        9,
    ),
    "retired": Profile(
        0.35,
        (60, 74, 96),
        EDU_OLD | {"bachelor": 9, "postgrad": 1},
        {"retired": 100},
        {"pre1949": 0.01, "kongua": 0.005, "lost": 0.002, "hardship": 0.05, "deceased": 0.02, "out": 0.005},
        45,
    ),
}
TYPE_PROFILE = {
    "village": "rural",
    "coop": "rural",
    "community": "community",
    "organ": "organ",
    "institution": "institution",
    "soe": "enterprise",
    "private": "enterprise",
    "chain": "enterprise",
    "regional": "enterprise",
    "social": "social",
    "association": "social",
    "other": "retired",
}
FLAG_MINIMUM = {
    "probationary": 3,
    "pre1949": 2,
    "flow_out": 2,
    "flow_in": 2,
    "kongua": 2,
    "lost": 2,
    "hardship": 2,
    "out": 2,
    "deceased": 1,
    "expelled": 1,
}
FOUNDED_YEARS = {
    "village": (1952, 2003),
    "community": (1985, 2015),
    "organ": (1980, 2010),
    "institution": (1960, 2010),
    "soe": (1990, 2012),
    "private": (2000, 2018),
    "social": (2008, 2018),
    "regional": (2008, 2018),
    "coop": (2008, 2018),
    "association": (2005, 2018),
    "chain": (2016, 2019),
    "other": (1985, 2012),
}
