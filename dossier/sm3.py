"""SM3 (GB/T 32905-2016), the hash that Chinese archives expect beside SHA-256.

``new()`` returns OpenSSL's implementation through ``hashlib`` when the platform has
it, else the pure-Python one below (slow, ~1 MB/s, but correct and dependency-free).
Both offer ``update``, ``digest``, ``hexdigest`` and ``copy``.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
       0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)
_MASK = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _MASK


_T = tuple(_rotl(0x79CC4519 if j < 16 else 0x7A879D8A, j) for j in range(64))


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def _compress(v: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    w = list(struct.unpack(">16I", block))
    for j in range(16, 68):
        w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    w1 = [w[j] ^ w[j + 4] for j in range(64)]
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        a12 = _rotl(a, 12)
        ss1 = _rotl((a12 + e + _T[j]) & _MASK, 7)
        ss2 = ss1 ^ a12
        if j < 16:
            ff = a ^ b ^ c
            gg = e ^ f ^ g
        else:
            ff = (a & b) | (a & c) | (b & c)
            gg = (e & f) | (~e & g)
        tt1 = (ff + d + ss2 + w1[j]) & _MASK
        tt2 = (gg + h + ss1 + w[j]) & _MASK
        d, c, b, a = c, _rotl(b, 9), a, tt1
        h, g, f, e = g, _rotl(f, 19), e, _p0(tt2)
    return tuple(x ^ y for x, y in zip((a, b, c, d, e, f, g, h), v, strict=True))


class PureSM3:
    """Pure-Python SM3 with the hashlib interface."""

    name = "sm3"
    digest_size = 32
    block_size = 64

    def __init__(self, data: bytes = b""):
        self._v: tuple[int, ...] = _IV
        self._buffer = b""
        self._length = 0
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        self._length += len(data)
        buffer = self._buffer + bytes(data)
        full = len(buffer) - len(buffer) % 64
        for i in range(0, full, 64):
            self._v = _compress(self._v, buffer[i:i + 64])
        self._buffer = buffer[full:]

    def copy(self) -> PureSM3:
        other = PureSM3()
        other._v, other._buffer, other._length = self._v, self._buffer, self._length
        return other

    def digest(self) -> bytes:
        bits = self._length * 8
        tail = self._buffer + b"\x80" + b"\x00" * ((55 - len(self._buffer)) % 64)
        tail += struct.pack(">Q", bits)
        v = self._v
        for i in range(0, len(tail), 64):
            v = _compress(v, tail[i:i + 64])
        return struct.pack(">8I", *v)

    def hexdigest(self) -> str:
        return self.digest().hex()


def native_available() -> bool:
    """True when hashlib (OpenSSL) provides SM3."""
    try:
        hashlib.new("sm3")
    except (ValueError, TypeError):
        return False
    return True


def new(data: bytes = b""):
    """A new SM3 hasher: hashlib's when available, else ``PureSM3``."""
    if native_available():
        return hashlib.new("sm3", data)
    return PureSM3(data)


def file_sm3(path: Path, block_size: int = 1 << 20) -> str:
    """Hex SM3 of a file, read in blocks."""
    hasher = new()
    with open(path, "rb") as fh:
        while block := fh.read(block_size):
            hasher.update(block)
    return hasher.hexdigest()
