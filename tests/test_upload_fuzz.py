"""Uploads from users: every file uploader of every page is fed bad files (wrong type, empty, over
the limit, invalid UTF-8, wrong columns, random bytes): a plain error on the page, never an exception."""

import pytest
from apptest_helpers import PAGE_FILES, ROOT, run_app
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz import corpora

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
BAD_FILES = {
    "wrong type (a PNG)": PNG,
    "empty": b"",
    "over the 10 MB limit": b"0," * (5 * 2**20 + 1),
    "invalid UTF-8 and UTF-16": "\ufeffhello, wörld".encode("utf-16") + b"\xff\xfe\xfd",
    "CSV with wrong columns": b"text,label\nI loved it,1\nI hated it,0\n",
    "NUL bytes": b"\x00" * 1000,
}


PAGES_WITH_UPLOADS = [path for path in PAGE_FILES if "file_uploader" in (ROOT / path).read_text()]


@pytest.mark.parametrize("path", PAGES_WITH_UPLOADS)
@pytest.mark.parametrize("what", sorted(BAD_FILES))
def test_a_bad_upload_gives_a_plain_error(path, what):
    at = run_app(path, timeout=180)
    uploaders = at.get("file_uploader")
    assert uploaders, f"{path} shows no file uploader at its defaults"
    for index, uploader in enumerate(uploaders):
        # The browser only offers files with an allowed extension: the bad content comes under that name.
        suffix = (list(uploader.proto.type) or [".bin"])[0]
        at.get("file_uploader")[index].set_value(
            (f"upload{suffix}", BAD_FILES[what], "application/octet-stream")
        )

        at.run(timeout=180)
        assert not at.exception, (what, at.exception)
        assert at.error, f"{what}: no error shown"
        at.get("file_uploader")[index].set_value(None)  # the next uploader on its own
        at.run(timeout=180)


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_the_sentiment140_loader_reads_or_refuses_anything(data):
    try:
        tweets = corpora.load_sentiment140(data)
    except ValueError as error:
        assert str(error)  # a message a user can read
    else:
        assert len(tweets.texts) == len(tweets.labels) > 0 and set(tweets.labels.tolist()) <= {0, 1}
