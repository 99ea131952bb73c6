"""Loudness: each scene's speech brought to -16 LUFS integrated, peaks held under -1 dBTP.

Measured in-process with ITU-R BS.1770 (K-weighting applied in the frequency domain, 400 ms
gating blocks with absolute and relative gates), then a gain and a look-ahead peak limiter,
measured again and corrected once, since limiting takes a little loudness away.
"""

from __future__ import annotations

import math

import numpy as np

from narrate.speech.levels import CEILING_DBFS, TARGET_LUFS

HOLD = 0.01  # seconds: the limiter looks this far ahead and holds this long


def biquad_power(b: tuple[float, ...], a: tuple[float, ...], omega: np.ndarray) -> np.ndarray:
    """|H(e^jw)|^2 of a biquad, in real arithmetic."""
    c1, c2 = np.cos(omega), np.cos(2 * omega)

    def side(k: tuple[float, ...]) -> np.ndarray:
        return (
            k[0] ** 2 + k[1] ** 2 + k[2] ** 2 + 2 * (k[0] * k[1] + k[1] * k[2]) * c1
            + 2 * k[0] * k[2] * c2
        )  # fmt: skip

    power: np.ndarray = np.maximum(side(b), 0.0) / side(a)
    return power


def k_weighting(freqs: np.ndarray, rate: int) -> np.ndarray:
    """|H|² of BS.1770's K-weighting (high shelf, then high pass) at any sample rate."""
    omega = 2 * np.pi * freqs / rate  # float64: the high pass cancels to ~1e-8 near 0 Hz
    gain, q, fc = 3.99984385397, 0.7071752369554193, 1681.9744509555319
    amp = 10 ** (gain / 40)
    w0 = 2 * math.pi * fc / rate
    alpha = math.sin(w0) / (2 * q)
    cos, root = math.cos(w0), 2 * math.sqrt(amp) * alpha
    shelf = biquad_power(
        (
            amp * ((amp + 1) + (amp - 1) * cos + root),
            -2 * amp * ((amp - 1) + (amp + 1) * cos),
            amp * ((amp + 1) + (amp - 1) * cos - root),
        ),
        ((amp + 1) - (amp - 1) * cos + root, 2 * ((amp - 1) - (amp + 1) * cos),
         (amp + 1) - (amp - 1) * cos - root),
        omega,
    )  # fmt: skip
    q, fc = 0.5003270373253953, 38.13547087613982
    w0 = 2 * math.pi * fc / rate
    alpha, cos = math.sin(w0) / (2 * q), math.cos(w0)
    high_pass = biquad_power(
        ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha), omega
    )
    return shelf * high_pass


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted signal, filtered in the frequency domain."""
    size = fast_size(len(samples) + round(0.2 * rate))  # room for the filter's ringing
    spectrum = np.fft.rfft(samples.astype(np.float32), size)
    spectrum *= np.sqrt(k_weighting(np.fft.rfftfreq(size, 1 / rate), rate)).astype(np.float32)
    weighted: np.ndarray = np.fft.irfft(spectrum, size)[: len(samples)]
    return weighted


def gated_loudness(weighted: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) of a K-weighted signal: 400 ms blocks, 75% overlap, gated."""
    block, step = round(0.4 * rate), round(0.1 * rate)
    if len(weighted) < block:
        weighted = np.pad(weighted, (0, block - len(weighted)))
    power = np.cumsum(np.concatenate(([0.0], weighted.astype(np.float64) ** 2)))
    starts = np.arange(0, len(weighted) - block + 1, step)
    means = (power[starts + block] - power[starts]) / block
    loudness = -0.691 + 10 * np.log10(np.maximum(means, 1e-20))
    gated = means[loudness > -70]
    if not len(gated):
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) - 10
    kept = means[(loudness > -70) & (loudness > relative)]
    return float(-0.691 + 10 * math.log10(kept.mean()))


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) of mono float samples in [-1, 1]; -inf for silence."""
    return gated_loudness(k_weighted(samples, rate), rate)


def fast_size(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n: sizes numpy's FFT handles quickly."""
    best = 1 << math.ceil(math.log2(n))
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three << max(0, math.ceil(math.log2(n / three)))
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def peaks(samples: np.ndarray) -> np.ndarray:
    """Each sample's level, counting the peak between it and the next (4-point interpolation
    at the midpoint): at 22.05 kHz the waveform can overshoot its samples by 1 to 2 dB."""
    padded = np.pad(samples, (1, 2))
    middle = (9 * (padded[1:-2] + padded[2:-1]) - (padded[:-3] + padded[3:])) / 16
    level: np.ndarray = np.maximum(np.abs(samples), np.abs(middle))
    return level


def limiter_gain(levels: np.ndarray, rate: int, ceiling: float) -> np.ndarray | None:
    """A look-ahead peak limiter's gain for samples at `levels` (peaks()): it falls before a
    peak and recovers after it. None when no sample needs it."""
    if float(levels.max(initial=0.0)) <= ceiling:
        return None
    need = np.minimum(1.0, ceiling / np.maximum(levels, 1e-9)).astype(np.float32)
    hold = max(1, round(HOLD * rate))
    blocks = -(-len(need) // hold)
    padded = np.pad(need, (0, blocks * hold - len(need)), constant_values=1.0)
    lows = padded.reshape(blocks, hold).min(axis=1)
    # Each sample's block and its two neighbours: the gain is down a block before a peak.
    neighbours = np.minimum(lows, np.minimum(np.roll(lows, 1), np.roll(lows, -1)))
    envelope = np.repeat(neighbours, hold)[: len(need)]
    # Averaging over half a block either side never rises above what any sample needs.
    sums = np.cumsum(np.pad(envelope, (hold // 2 + 1, hold - hold // 2), constant_values=1.0))
    gain: np.ndarray = (sums[hold:] - sums[:-hold])[: len(envelope)] / hold
    return gain


def normalize(samples: np.ndarray, rate: int, target: float = TARGET_LUFS) -> np.ndarray:
    """Gain to `target` LUFS with peaks limited to the ceiling.

    Limiting takes loudness away, more the harder it works, so the gain is found by the
    secant method. The limiter's gain changes slowly next to the K-weighting filter, so the
    weighted signal is computed once and scaled by the limiter's gain at each step.
    """
    ceiling = 10 ** (CEILING_DBFS / 20)
    samples = samples.astype(np.float32)
    weighted = k_weighted(samples, rate)
    measured = gated_loudness(weighted, rate)
    if not math.isfinite(measured):
        return samples

    levels = peaks(samples)

    def attempt(gain: float) -> tuple[np.ndarray | np.float32, float]:
        factor = np.float32(10 ** (gain / 20))
        limited = limiter_gain(levels * factor, rate, ceiling)
        if limited is None:  # a gain alone: the loudness moves by as many dB
            return factor, measured + gain
        scale = factor * limited
        return scale, gated_loudness(weighted * scale, rate)

    gain_a = target - measured
    scale, got_a = attempt(gain_a)
    gain_b = gain_a + (target - got_a)
    for _ in range(4):
        if abs(got_a - target) < 0.05:
            break
        scale, got_b = attempt(gain_b)
        slope = (got_b - got_a) / (gain_b - gain_a) if gain_b != gain_a else 1.0
        gain_a, got_a = gain_b, got_b
        gain_b += (target - got_b) / max(slope, 0.1)
    out: np.ndarray = np.clip(samples * scale, -ceiling, ceiling)
    return out
