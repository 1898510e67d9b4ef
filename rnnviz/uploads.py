"""What an uploaded file may make the server allocate, checked before anything parses it.

A class shares one server: a file that makes it allocate gigabytes ends every student's session.
`torch.load(weights_only=True)` runs no code, but it does decompress: a 2 MB zip can declare a
2 GB entry of zeros. A file saved by torch is a zip whose entries are stored (never compressed);
`check_torch_file` reads only the zip's directory (bounded first, from the end record) and refuses,
with a plain message, anything torch would not have written or that would cost more than the
largest model a page can build: compressed entries, sizes that disagree or reach past the end of
the file, names that are not torch's records, more records or more bytes than such a model has.
After it, `torch.load` allocates about the file's own size, plus the Python objects of its pickle
(at most MAX_PICKLE_BYTES of it, about 20 MB of objects).

    >>> load_torch_file(data, max_bytes=40 * 2**20, max_records=64)  # the loaded plain data"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import torch

# The records torch.save writes, under one folder: the pickle, its tensors' storages, and metadata.
TORCH_RECORD = re.compile(
    r"(?P<folder>[^/]{1,64})/(data\.pkl|data/\d{1,6}|version|byteorder|"
    r"\.data/version|\.data/serialization_id|\.format_version|\.storage_alignment)"
)
TORCH_METADATA_RECORDS = 7  # data.pkl, version, byteorder, .data/version, serialization_id, 2 formats
MAX_PICKLE_BYTES = 2**20  # data.pkl: names, shapes and curves; Python objects cost up to ~20x its bytes
DIRECTORY_BYTES_PER_RECORD = 256  # a central directory entry: 46 bytes, its name, torch adds no extra
END_RECORD, ZIP64_END_RECORD = b"PK\x05\x06", b"PK\x06\x06"


class Refused(ValueError):
    """An upload refused before it was parsed; the message says why, in plain words."""


def _directory_size(data: bytes) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory, as its end record states them."""
    at = data.rfind(END_RECORD, max(0, len(data) - 22 - 65_535))  # the end record, then at most a comment
    if at < 0 or at + 22 > len(data):
        raise Refused("This is not a file saved by torch: it is not a zip archive (or it is cut short).")
    entries, size = struct.unpack_from("<HI", data, at + 10)
    if entries == 0xFFFF or size == 0xFFFFFFFF:  # the counts live in the ZIP64 end record
        at64 = data.rfind(ZIP64_END_RECORD, 0, at)
        if at64 < 0 or at64 + 56 > at:
            raise Refused("This is not a file saved by torch: its zip directory is damaged.")
        entries, size = struct.unpack_from("<QQ", data, at64 + 32)
    return entries, size


def check_torch_file(
    data: bytes, max_bytes: int, max_records: int, max_pickle_bytes: int = MAX_PICKLE_BYTES
) -> None:
    """Raise Refused unless `data` looks like torch.save's zip of at most `max_records` records
    (tensors and metadata) and `max_bytes` bytes in all, every record stored as it is, its pickle
    (the structure around the tensors) at most `max_pickle_bytes`."""
    if len(data) > max_bytes:
        raise Refused(
            f"The file is {len(data) / 2**20:.1f} MB; the largest model this page can build is "
            f"{max_bytes / 2**20:.1f} MB."
        )
    entries, directory_bytes = _directory_size(data)
    if entries > max_records or directory_bytes > max_records * DIRECTORY_BYTES_PER_RECORD:
        raise Refused(f"The file holds {entries:,} records; a model of this page has at most {max_records}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # reads the directory only: nothing decompressed
            records = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        EOFError,
        struct.error,
        NotImplementedError,
    ) as error:
        raise Refused(f"This is not a file saved by torch: its zip directory is damaged ({error}).") from None
    if len(records) > max_records:
        raise Refused(
            f"The file holds {len(records):,} records; a model of this page has at most {max_records}."
        )
    folders, total = set(), 0
    for record in records:
        name = TORCH_RECORD.fullmatch(record.filename)
        if name is None:
            raise Refused(f"This is not a file saved by torch: it holds {record.filename[:60]!r}.")
        folders.add(name["folder"])
        if record.compress_type != zipfile.ZIP_STORED or record.compress_size != record.file_size:
            raise Refused(
                "This file was not saved by torch: its records are compressed (torch stores them "
                "as they are), and unpacking them could take far more memory than the file."
            )
        if record.header_offset + record.file_size > len(data):
            raise Refused("This file is cut short or its sizes are wrong: a record reaches past its end.")
        if record.filename.endswith("/data.pkl") and record.file_size > max_pickle_bytes:
            raise Refused(
                f"This file's structure (data.pkl) is {record.file_size / 2**20:.1f} MB; a model of this "
                f"page needs less than {max_pickle_bytes / 2**20:.1f} MB."
            )
        total += record.file_size
    if len(folders) != 1 or not any(r.filename.endswith("/data.pkl") for r in records):
        raise Refused("This is not a file saved by torch: it has no single data.pkl.")
    if total > max_bytes:
        raise Refused(
            f"The file declares {total / 2**20:.1f} MB of data; the largest model this page can "
            f"build is {max_bytes / 2**20:.1f} MB."
        )


def load_torch_file(data: bytes, max_bytes: int, max_records: int, max_pickle_bytes: int = MAX_PICKLE_BYTES):
    """What torch.save wrote, loaded as plain data and tensors (`weights_only=True`: no code runs),
    after `check_torch_file`. Raises Refused with a plain message for anything else."""
    check_torch_file(data, max_bytes, max_records, max_pickle_bytes)
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # torch's unpickler refuses code with UnpicklingError, damage with others
        raise Refused(
            f"This file was saved by torch, but it holds more than tensors and plain data, or it "
            f"is damaged ({type(error).__name__})."
        ) from None
