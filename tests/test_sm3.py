"""SM3 against the GB/T 32905-2016 examples (appendix A) and OpenSSL where present."""

from __future__ import annotations

import hashlib
import os

import pytest

from dossier import sm3

ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


@pytest.mark.parametrize(("data", "expected"), [(b"abc", ABC), (b"abcd" * 16, ABCD16)])
def test_pure_sm3_matches_standard_vectors(data, expected):
    assert sm3.PureSM3(data).hexdigest() == expected


@pytest.mark.parametrize(("data", "expected"), [(b"abc", ABC), (b"abcd" * 16, ABCD16)])
def test_default_sm3_matches_standard_vectors(data, expected):
    assert sm3.new(data).hexdigest() == expected


def test_pure_sm3_incremental_updates_and_copy_agree():
    data = os.urandom(1000)
    whole = sm3.PureSM3(data).hexdigest()
    h = sm3.PureSM3()
    for i in range(0, len(data), 37):
        h.update(data[i:i + 37])
    snapshot = h.copy()
    assert h.hexdigest() == whole
    assert snapshot.hexdigest() == whole


# Digests of (bytes(range(256)) * 4)[:size], recorded from OpenSSL 3's SM3, so that the
# pure-Python fallback is checked at the padding edges even where OpenSSL lacks SM3.
PADDING_EDGES = {
    0: "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
    55: "a79cf9dcee3404abf7f769698201647fd9d3ff61d629d0f58bb4b5579a427db8",
    56: "62f7363b15f4de76dd925c493b9d6d00d4ba0ef2a1f334c1d0f13b293aeb40d1",
    63: "6165e4cbb15cde01c6226e0015a47f710f8f8e1f2c296700033bb34d9212109c",
    64: "93566f236d157aae078d1ddb5cebdbba1520b5142e22a8915564345ba2ae1d63",
    65: "c886e6814be748285a10b28ae62ddacd85db830cd2cf3a2bfa2f729c15f63618",
    119: "8f3ea392a89a7119982d6634660db1a95f35d68267a2235e3255998a857f4fbf",
    120: "6babee35e6a1515af9d6255109c24f3c08897829422c6225d235fd4c8527e9ec",
    1000: "e1043d6f7910a57e49c10eb042760c060d07ea26866cb067cc5eecb42f9056a3",
}


@pytest.mark.parametrize("size", sorted(PADDING_EDGES))
def test_pure_sm3_is_right_at_padding_edges(size):
    data = (bytes(range(256)) * 4)[:size]
    assert sm3.PureSM3(data).hexdigest() == PADDING_EDGES[size]
    assert sm3.new(data).hexdigest() == PADDING_EDGES[size]  # native where OpenSSL has SM3
    if sm3.native_available():
        assert hashlib.new("sm3", data).hexdigest() == PADDING_EDGES[size]


def test_file_sm3_reads_in_blocks(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abcd" * 16)
    assert sm3.file_sm3(path, block_size=7) == ABCD16
