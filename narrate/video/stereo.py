"""Mono AAC frames made stereo without encoding again: the narration centred, at mono's cost.

ffmpeg's AAC encoder takes twice the time for two channels as for one, even when both are the
same (the example's narration: 1.2 s mono, 2.6 s stereo at the same quality on this machine),
and the narration is the same in both. So the narration is encoded in mono at 48 kHz and each
frame rewritten as a channel pair (ISO/IEC 14496-3, 4.4.2): a common window (the mono
channel's), mid/side on in every band, the mid channel the mono channel's bits as they are, and
a side channel that is silent (every band in the zero codebook). A decoder then gives left =
mid + side and right = mid - side: the mono sound, unchanged, in both channels.

That holds for an encoder that writes one single channel element then the end element per
frame (ffmpeg's native encoder, after its first frame), without temporal noise shaping or
noise substitution (a decoder applies those per channel, after mid/side: the side channel
would not get them), which is how sound.py asks for it.
"""

from __future__ import annotations

STEREO_VERSION = 1  # in the cache keys of the frames it rewrites
ID_SCE, ID_CPE, ID_FIL, ID_END = 0, 1, 6, 7
EIGHT_SHORT = 2


class Bits:
    """Big-endian bits written one field at a time."""

    def __init__(self) -> None:
        self.value = 0
        self.count = 0

    def put(self, value: int, width: int) -> None:
        self.value = (self.value << width) | value
        self.count += width

    def bytes(self) -> bytes:
        pad = -self.count % 8
        return (self.value << pad).to_bytes((self.count + pad) // 8, "big")


def stereo_payload(payload: bytes) -> bytes:
    """A mono AAC-LC raw data block (SCE, END) as a stereo one (CPE, END)."""
    size = len(payload) * 8
    bits = int.from_bytes(payload, "big")

    def field(start: int, width: int) -> int:
        return (bits >> (size - start - width)) & ((1 << width) - 1)

    at = 0
    if field(0, 3) == ID_FIL:  # fill data first (ffmpeg's name, every 256 frames): dropped
        count = field(3, 4)
        at = 7
        if count == 15:
            count, at = count + field(7, 8) - 1, 15
        at += 8 * count
    if field(at, 3) != ID_SCE:
        raise ValueError("not a single channel element")
    tag, gain, at = field(at + 3, 4), field(at + 7, 8), at + 15  # at: the ics_info
    sequence = field(at + 1, 2)
    if sequence == EIGHT_SHORT:
        info_bits, max_sfb, grouping = 15, field(at + 4, 4), field(at + 8, 7)
        groups = 1 + sum(1 for bit in range(7) if not (grouping >> bit) & 1)  # a 0: new group
    else:
        info_bits, max_sfb, groups = 11, field(at + 4, 6), 1
        if field(at + 10, 1):
            raise ValueError("a frame with prediction data (not AAC LC)")
    # The channel's bits end where the end element begins: its three 1 bits are the frame's
    # last set bits, only byte-alignment zeros after them.
    last = size - (bits & -bits).bit_length()  # index of the last 1 bit
    end = last - 2
    if bits == 0 or field(end, 3) != ID_END:
        raise ValueError("no end element after the channel")
    info = field(at, info_bits)
    rest_start = at + info_bits
    rest = field(rest_start, end - rest_start)

    out = Bits()
    out.put(ID_CPE, 3)
    out.put(tag, 4)
    out.put(1, 1)  # common_window
    out.put(info, info_bits)
    out.put(2, 2)  # ms_mask_present: mid/side in every band
    out.put(gain, 8)  # the mid channel: the mono channel's own bits
    out.put(rest, end - rest_start)
    silent_channel(out, gain, max_sfb, groups, sequence == EIGHT_SHORT)
    out.put(ID_END, 3)
    return out.bytes()


def silent_channel(out: Bits, gain: int, max_sfb: int, groups: int, short: bool) -> None:
    """An individual channel stream (in a common window) with every band in the zero
    codebook: no scale factors, no pulses, no TNS, no gain control, no spectral data."""
    out.put(gain, 8)
    width, escape = (3, 7) if short else (5, 31)
    for _ in range(groups):
        if max_sfb == 0:
            continue
        out.put(0, 4)  # ZERO_HCB
        length = max_sfb
        while length >= escape:
            out.put(escape, width)
            length -= escape
        out.put(length, width)
    out.put(0, 1)  # pulse_data_present
    out.put(0, 1)  # tns_data_present
    out.put(0, 1)  # gain_control_data_present


def stereo_adts(frame: bytes) -> bytes:
    """A mono ADTS frame (7-byte header, no CRC) as a stereo one."""
    header, payload = frame[:7], stereo_payload(frame[7:])
    if header[1] & 0x01 == 0:
        raise ValueError("ADTS frames with a CRC are not rewritten")
    length = 7 + len(payload)
    fixed = bytearray(header)
    fixed[2] = (fixed[2] & 0xFE) | 0  # channel configuration 2: high bit 0
    fixed[3] = (fixed[3] & 0x3C) | (2 << 6) | ((length >> 11) & 0x03)
    fixed[4] = (length >> 3) & 0xFF
    fixed[5] = ((length & 0x07) << 5) | 0x1F  # buffer fullness 0x7FF: variable rate
    fixed[6] = 0xFC  # the rest of the fullness, one raw data block
    return bytes(fixed) + payload
