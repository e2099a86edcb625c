"""The PDF font subset is built once per machine (``make install`` runs ``build_pdf_font``);
on a fresh checkout the first PDF test builds it (about 15 s), later runs find it up to date."""

import os

import pytest


@pytest.fixture(scope="session")
def pdf_font():
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        message = (
            f"{fonts.FACES[0].source} is missing — install it with `sudo apt-get install fonts-noto-cjk` "
            "(or run `make system-deps` as root)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    fonts.build()
    return fonts.built_faces()
