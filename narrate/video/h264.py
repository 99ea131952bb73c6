"""Just enough H.264 bitstream handling to hold a still picture for any number of frames.

A held picture is one IDR frame followed by "skip" frames: P frames in which every
macroblock copies the frame before. A skip frame's bytes differ from frame to frame only in
frame_num (and pic_order_cnt_lsb, when the stream uses that), fixed-width fields near the
start of the slice header, so one skip frame from x264 can be renumbered to fill any length.

Skip frames are written for x264's own picture parameter set, which is CAVLC (x264 runs
with cabac=0, see encode.X264_ARGS): one SPS and one PPS serve the whole stream, and every
picture has the same entropy coding, as with any common encoder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

AUD = b"\x00\x00\x00\x01\x09"  # start code + access unit delimiter, as x264 writes with aud=1


class Bits:
    """Reads an RBSP bit by bit."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def bit(self) -> int:
        byte = self.data[self.position >> 3]
        value = (byte >> (7 - (self.position & 7))) & 1
        self.position += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value % 2 else -(value // 2)


class Writer:
    """Writes an RBSP bit by bit."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, width: int, value: int) -> Writer:
        self.bits += [(value >> (width - 1 - i)) & 1 for i in range(width)]
        return self

    def ue(self, value: int) -> Writer:
        code = value + 1
        return self.u(code.bit_length() - 1, 0).u(code.bit_length(), code)

    def se(self, value: int) -> Writer:
        return self.ue(2 * value - 1 if value > 0 else -2 * value)

    def rbsp(self) -> bytes:
        bits = [*self.bits, 1]  # rbsp_stop_one_bit, then zeros to the byte boundary
        bits += [0] * (-len(bits) % 8)
        return bytes(int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8))


@cache
def skip_frame(rules: Numbering, frame: int) -> bytes:
    """An access unit in which every macroblock copies the frame before (P_Skip, CAVLC), for
    the stream's own PPS, numbered as the `frame`-th frame after the last keyframe. (Cached:
    callers pass frame numbers modulo the numbering's period, so there are a few hundred.)"""
    header = (
        Writer()
        .ue(0).ue(5).ue(rules.pps_id)  # first_mb_in_slice, slice_type P, pps id
        .u(rules.frame_num_bits, frame % (1 << rules.frame_num_bits))
    )  # fmt: skip
    if rules.poc_type == 0:
        header.u(rules.poc_lsb_bits, (2 * frame) % (1 << rules.poc_lsb_bits))
        if rules.bottom_field_poc:
            header.se(0)  # delta_pic_order_cnt_bottom
    if rules.redundant_pic_cnt:
        header.ue(0)  # redundant_pic_cnt
    header.u(1, int(rules.ref_override))  # num_ref_idx_active_override_flag
    if rules.ref_override:
        header.ue(0)  # one reference: the frame before
    header.u(1, 0)  # ref_pic_list_modification_flag_l0
    header.u(1, 0)  # adaptive_ref_pic_marking_mode_flag
    header.se(0)  # slice_qp_delta
    if rules.deblocking_control:
        header.ue(1)  # disable_deblocking_filter_idc: nothing to filter in a copy
    rbsp = header.ue(rules.macroblocks).rbsp()  # mb_skip_run: every macroblock
    return AUD + b"\xf0" + b"\x00\x00\x00\x01" + bytes([0x41]) + escape(rbsp)


def unescape(nal: bytes) -> bytes:
    """NAL payload -> RBSP: drop the emulation prevention byte of every 00 00 03."""
    out = bytearray()
    zeros = 0
    for byte in nal:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def escape(rbsp: bytes) -> bytes:
    """RBSP -> NAL payload: insert 03 after 00 00 before any byte <= 03."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def nal_units(access_unit: bytes) -> list[bytes]:
    """The NAL units of an access unit, each without its start code."""
    units, start = [], 0
    while True:
        begin = access_unit.find(b"\x00\x00\x01", start)
        if begin == -1:
            break
        end = access_unit.find(b"\x00\x00\x01", begin + 3)
        chunk = access_unit[begin + 3 : len(access_unit) if end == -1 else end]
        units.append(chunk[:-1] if end != -1 and chunk.endswith(b"\x00") else chunk)
        if end == -1:
            break
        start = end
    return units


def access_units(stream: bytes) -> list[bytes]:
    """Split a raw H.264 stream written with aud=1 into its frames."""
    starts = []
    position = stream.find(AUD)
    while position != -1:
        starts.append(position)
        position = stream.find(AUD, position + len(AUD))
    if not starts or starts[0] != 0:
        raise ValueError("not an H.264 stream with access unit delimiters")
    return [stream[a:b] for a, b in zip(starts, [*starts[1:], len(stream)], strict=True)]


@dataclass(frozen=True)
class Numbering:
    """How frames are numbered in a stream, and its size, from its sequence parameter set."""

    frame_num_bits: int
    poc_type: int
    poc_lsb_bits: int
    macroblocks: int = 0
    # and what a slice header needs from the picture parameter set (see parameters())
    pps_id: int = 0
    bottom_field_poc: bool = False
    ref_override: bool = False  # more than one reference by default: say one
    redundant_pic_cnt: bool = False
    deblocking_control: bool = True


def numbering(sps_nal: bytes) -> Numbering:
    bits = Bits(unescape(sps_nal[1:]))
    profile = bits.bits(8)
    bits.bits(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        if bits.ue() == 3:  # chroma_format_idc
            bits.bit()
        bits.ue()  # bit depths
        bits.ue()
        bits.bit()
        if bits.bit():
            raise ValueError("scaling matrices in the SPS are not supported")
    frame_num_bits = bits.ue() + 4
    poc_type = bits.ue()
    poc_lsb_bits = bits.ue() + 4 if poc_type == 0 else 0
    if poc_type == 1:
        raise ValueError("pic_order_cnt_type 1 is not supported")
    bits.ue()  # max_num_ref_frames
    bits.bit()  # gaps_in_frame_num_value_allowed_flag
    width, height = bits.ue() + 1, bits.ue() + 1
    if not bits.bit():
        raise ValueError("interlaced streams are not supported")
    return Numbering(frame_num_bits, poc_type, poc_lsb_bits, width * height)


def renumber(skip: bytes, rules: Numbering, frame: int) -> bytes:
    """A copy of the skip access unit numbered as the `frame`-th frame after an IDR."""
    units = nal_units(skip)
    out = bytearray()
    for unit in units:
        if unit[0] & 0x1F == 1:  # a non-IDR slice: rewrite frame_num (and POC lsb)
            unit = unit[:1] + rewrite_head(unit[1:], rules, frame)
        out += b"\x00\x00\x00\x01" + unit
    return bytes(out)


HEAD = 24  # bytes of a slice NAL that hold its header's numbering fields, and then some


def rewrite_head(payload: bytes, rules: Numbering, frame: int) -> bytes:
    """rewrite() on an escaped slice NAL payload, touching only its first bytes: the head is
    cut where two non-zero bytes end it, so no 00 00 run or emulation prevention byte spans the
    cut and the rest stays as it is (a caption's P frame is tens of kilobytes)."""
    cut = HEAD
    while cut < len(payload) and (payload[cut - 1] == 0 or payload[cut - 2] == 0):
        cut += 1
    return escape(rewrite(unescape(payload[:cut]), rules, frame)) + payload[cut:]


def rewrite(rbsp: bytes, rules: Numbering, frame: int) -> bytes:
    bits = Bits(rbsp)
    bits.ue()  # first_mb_in_slice
    bits.ue()  # slice_type
    bits.ue()  # pic_parameter_set_id
    fields = [(bits.position, rules.frame_num_bits, frame % (1 << rules.frame_num_bits))]
    if rules.poc_type == 0:
        at = bits.position + rules.frame_num_bits
        fields.append((at, rules.poc_lsb_bits, (2 * frame) % (1 << rules.poc_lsb_bits)))
    data = bytearray(rbsp)
    for start, width, value in fields:
        for index in range(width):
            bit = (value >> (width - 1 - index)) & 1
            byte, shift = (start + index) >> 3, 7 - ((start + index) & 7)
            data[byte] = (data[byte] & ~(1 << shift)) | (bit << shift)
    return bytes(data)


def is_idr(access_unit: bytes) -> bool:
    return any(unit[0] & 0x1F == 5 for unit in nal_units(access_unit))


def parameters(sps_nal: bytes, pps_nal: bytes) -> Numbering:
    """numbering() of the SPS, with what a skip slice's header needs from the PPS."""
    bits = Bits(unescape(pps_nal[1:]))
    pps_id = bits.ue()
    bits.ue()  # seq_parameter_set_id
    if bits.bit():  # entropy_coding_mode_flag
        raise ValueError("CABAC pictures: skip frames are CAVLC, so must they be (cabac=0)")
    bottom_field_poc = bits.bit()
    if bits.ue():
        raise ValueError("slice groups are not supported")
    references = bits.ue() + 1  # num_ref_idx_l0_default_active_minus1
    bits.ue()
    if bits.bit():
        raise ValueError("weighted prediction is not supported")
    bits.bits(2)  # weighted_bipred_idc
    bits.se()  # pic_init_qp_minus26
    bits.se()  # pic_init_qs_minus26
    bits.se()  # chroma_qp_index_offset
    deblocking_control = bits.bit()
    bits.bit()  # constrained_intra_pred_flag
    redundant_pic_cnt = bits.bit()
    return replace(
        numbering(sps_nal),
        pps_id=pps_id,
        bottom_field_poc=bool(bottom_field_poc),
        ref_override=references != 1,
        redundant_pic_cnt=bool(redundant_pic_cnt),
        deblocking_control=bool(deblocking_control),
    )


def sps_of(access_unit: bytes) -> bytes:
    return parameter_set(access_unit, 7)


def pps_of(access_unit: bytes) -> bytes:
    return parameter_set(access_unit, 8)


def parameter_set(access_unit: bytes, kind: int) -> bytes:
    """The access unit's SPS (kind 7) or PPS (kind 8)."""
    for unit in nal_units(access_unit):
        if unit[0] & 0x1F == kind:
            return unit
    raise ValueError(f"no {'sequence' if kind == 7 else 'picture'} parameter set here")
