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


@pytest.mark.parametrize("size", [0, 55, 56, 63, 64, 65, 119, 120, 1000])
def test_pure_sm3_agrees_with_openssl_at_padding_edges(size):
    if not sm3.native_available():
        pytest.skip("hashlib has no sm3 on this platform")
    data = bytes(range(256)) * 4
    assert sm3.PureSM3(data[:size]).hexdigest() == hashlib.new("sm3", data[:size]).hexdigest()


def test_file_sm3_reads_in_blocks(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abcd" * 16)
    assert sm3.file_sm3(path, block_size=7) == ABCD16
