"""Just enough DER to build the few ASN.1 values cryptography has no builder for."""

from __future__ import annotations


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def tlv(tag: int, content: bytes) -> bytes:
    """One tag-length-value triple (single-byte tags only)."""
    return bytes([tag]) + _length(len(content)) + content


def sequence(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def integer(value: int) -> bytes:
    """A non-negative INTEGER in minimal two's complement form."""
    if value < 0:
        raise ValueError("only non-negative integers are supported")
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def object_identifier(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"not an object identifier: {dotted}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


def context_constructed(number: int, content: bytes) -> bytes:
    """An [number] EXPLICIT / constructed context-specific tag (number < 31)."""
    return tlv(0xA0 | number, content)
