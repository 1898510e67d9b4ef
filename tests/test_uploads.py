"""Hostile model files: each refused with a plain message before torch.load allocates for it, and
a process loading one grows by less than 50 MB more than the file (measured in a subprocess)."""

import functools
import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnnviz import corpora, uploads

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES, MAX_RECORDS = 8 * 2**20, 32  # what a small model of a page might allow


def saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


GOOD = saved({"weight": torch.arange(12.0).reshape(3, 4), "step": 7, "losses": [1.5, 0.5]})


class RunsCode:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@functools.cache
def deflate_bomb(declared_mb: int) -> bytes:
    """A model file as torch.save writes it, of one tensor of `declared_mb` MB of zeros, with its
    records deflated: about 0.1% of that size. torch.load would inflate the tensor's record."""
    stored = zipfile.ZipFile(io.BytesIO(saved({"weight": torch.zeros(declared_mb * 2**18)})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in stored.namelist():
            archive.writestr(name, stored.read(name))
    return buffer.getvalue()


def lying_sizes() -> bytes:
    """GOOD with its tensor record's sizes in the central directory set to 1 GB."""
    data = bytearray(GOOD)
    directory = data.index(b"PK\x01\x02")  # the central directory's first entry
    at = data.index(b"archive/data/0", directory) - 46  # the entry of the tensor's record
    struct.pack_into("<II", data, at + 20, 2**30, 2**30)  # its compressed and uncompressed sizes
    return bytes(data)


def many_records(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        for i in range(count):
            archive.writestr(f"archive/data/{i}", b"\x00" * 4)
    return buffer.getvalue()


def hostile_files(tmp_path: Path) -> dict[str, bytes]:
    return {
        "a deflate bomb (128 MB of zeros)": deflate_bomb(128),
        "sizes that lie (1 GB declared)": lying_sizes(),
        "5,000 records": many_records(5000),
        "cut short": GOOD[: len(GOOD) // 2],
        "a pickle that runs code": saved(RunsCode(tmp_path / "ran")),
        "not a zip": b"\x80\x02" + b"x" * 1000,
    }


def test_a_file_torch_saved_loads():
    loaded = uploads.load_torch_file(GOOD, MAX_BYTES, MAX_RECORDS)
    assert torch.equal(loaded["weight"], torch.arange(12.0).reshape(3, 4)) and loaded["losses"] == [1.5, 0.5]


@pytest.mark.parametrize(
    "what, message",
    [
        ("a deflate bomb (128 MB of zeros)", "compressed"),
        ("sizes that lie (1 GB declared)", "past its end"),
        ("5,000 records", "5,001 records"),
        ("cut short", "not a zip archive"),
        ("a pickle that runs code", "more than tensors and plain data"),
        ("not a zip", "not a zip archive"),
    ],
)
def test_each_hostile_file_is_refused_with_a_plain_message(tmp_path, what, message):
    with pytest.raises(uploads.Refused, match=message):
        uploads.load_torch_file(hostile_files(tmp_path)[what], MAX_BYTES, MAX_RECORDS)
    assert not (tmp_path / "ran").exists()  # the pickle's os.system never ran


def test_more_data_than_the_largest_model_is_refused():
    big = saved({"weight": torch.zeros(2**20)})  # 4 MB of tensor
    with pytest.raises(uploads.Refused, match="largest model"):
        uploads.check_torch_file(big, 2**20, MAX_RECORDS)
    with pytest.raises(uploads.Refused, match="data.pkl"):
        uploads.check_torch_file(saved(list(range(300_000))), MAX_BYTES, MAX_RECORDS)


LOAD_AND_MEASURE = """
import resource, sys
from rnnviz import charlm, corpora, uploads
load = {
    "torch": lambda data: uploads.load_torch_file(data, int(sys.argv[2]), int(sys.argv[3])),
    "csv": corpora.load_sentiment140,
    "char model": charlm.from_bytes,  # the character LM page's "Load a model"
    "text": corpora.load_text,
}[sys.argv[1]]
for path in sys.argv[4:]:  # the peak so far, before and after each file (KB)
    data = open(path, "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        load(data)
        print("loaded", end=" ")
    except ValueError:  # uploads.Refused is one
        print("refused", end=" ")
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, flush=True)
"""


def peak_growth_mb(loader: str, files: dict[str, bytes], tmp_path: Path) -> dict[str, tuple[str, float]]:
    """For each file: what `loader` did with it (loaded / refused) and how far it raised the peak
    memory of a fresh process (MB)."""
    paths = []
    for i, data in enumerate(files.values()):
        paths.append(tmp_path / f"{loader}{i}")
        paths[-1].write_bytes(data)
    command = [
        sys.executable,
        "-c",
        LOAD_AND_MEASURE,
        loader,
        str(MAX_BYTES),
        str(MAX_RECORDS),
        *map(str, paths),
    ]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    return {what: (line.split()[0], float(line.split()[1])) for what, line in zip(files, out, strict=True)}


@pytest.mark.parametrize("loader", ["torch", "char model"])
def test_refusing_a_hostile_file_costs_less_than_50_mb_beyond_its_size(tmp_path, loader):
    files = hostile_files(tmp_path)
    files["a torch file of something else"] = saved({"weight": torch.zeros(1000)})
    for what, (verdict, grown_mb) in peak_growth_mb(loader, files, tmp_path).items():
        assert verdict == (
            "loaded" if loader == "torch" and what.endswith("something else") else "refused"
        ), what
        assert grown_mb < 50 + len(files[what]) / 2**20, (what, grown_mb)
    assert not (tmp_path / "ran").exists()


HOSTILE_CSV = {
    "one line of 5 million commas": b"0," * (5 * 2**20 - 1),
    "300,000 rows": b"0,1,d,q,u,t\n4,1,d,q,u,t\n" * 150_000,
    "a quoted cell of 9 MB": b'0,1,d,q,u,"' + b"x" * (9 * 2**20) + b'"\n',
}
HOSTILE_TEXT = {
    "10 MB of blank lines": b"\n" * (10 * 2**20 - 1),
    "one line of 9 MB": b"a" * (9 * 2**20),
    "every character of the BMP, again and again": "".join(map(chr, range(0x4E00, 0x9FFF))).encode() * 100,
}


@pytest.mark.parametrize("loader, files", [("csv", HOSTILE_CSV), ("text", HOSTILE_TEXT)])
def test_csv_and_text_uploads_cost_less_than_50_mb_beyond_their_size(tmp_path, loader, files):
    for what, (verdict, grown_mb) in peak_growth_mb(loader, files, tmp_path).items():
        assert grown_mb < 50 + len(files[what]) / 2**20, (what, verdict, grown_mb)
    if loader == "csv":
        assert all(verdict == "refused" for verdict, _ in peak_growth_mb(loader, files, tmp_path).values())


def test_csv_lines_and_rows_beyond_what_a_sentiment140_file_holds_are_refused_with_a_message():
    with pytest.raises(ValueError, match="Line 1 has 10,485,758 characters"):
        corpora.load_sentiment140(HOSTILE_CSV["one line of 5 million commas"])
    with pytest.raises(ValueError, match="more than 200,000 lines"):
        corpora.load_sentiment140(HOSTILE_CSV["300,000 rows"])


@settings(max_examples=150, deadline=None)
@given(
    cut=st.integers(0, len(GOOD)),
    flips=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=8),
)
@example(cut=820, flips=[(1412, 64)])  # a zip version byte: zipfile raised NotImplementedError
def test_a_damaged_torch_file_loads_or_is_refused_never_anything_else(cut, flips):
    data = bytearray(GOOD)
    for at, value in flips:
        data[at] = value
    try:
        uploads.load_torch_file(bytes(data[:cut] if cut < len(GOOD) // 2 else data), MAX_BYTES, MAX_RECORDS)
    except uploads.Refused as error:
        assert str(error)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(
            [
                "archive/data.pkl",
                "archive/data/0",
                "archive/version",
                "other/data.pkl",
                "archive/../etc/passwd",
                "archive/data/99",
                "archive/byteorder",
            ]
        ),
        min_size=1,
        max_size=6,
    ),
    sizes=st.lists(st.integers(0, 5000), min_size=6, max_size=6),
    deflate=st.booleans(),
)
def test_any_zip_loads_or_is_refused(names, sizes, deflate):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as archive:
        for name, size in zip(names, sizes):
            if name not in archive.namelist():
                archive.writestr(name, bytes(size))
    try:
        uploads.load_torch_file(buffer.getvalue(), MAX_BYTES, MAX_RECORDS)
    except uploads.Refused as error:
        assert str(error)
