"""Animated GIF written frame by frame, with one palette for the whole animation.

Pillow's ``save(save_all=True)`` keeps every frame in memory until the end; this writer instead
emits each frame as it comes, through Pillow's public GIF helpers ``getheader`` and ``getdata``,
so memory stays flat however many frames there are. Each frame after the first encodes only the
rectangle that changed, with unchanged pixels transparent; the palette is computed once, from the
first and last frames, and colours are mapped to it by nearest match with a cache, so no frame is
quantized on its own.

When a frame's changes lie in two bands far apart (the step counter above, the moving paths
below), one rectangle would mostly hold transparent pixels, which LZW still has to encode. Such
a frame is written as two images, the upper band shown for 20 ms and the lower band for the
rest of the frame time, so the step still lasts exactly its delay. 20 ms is the shortest delay
browsers honour (they show 0-10 ms as 100 ms), so this is done only for delays of 40 ms or more.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PIL.GifImagePlugin import getdata, getheader

TRANSPARENT = 255  # palette index reserved for "unchanged since the previous frame"
COLORS = 255
SPLIT_DELAY_CS = 2  # the upper band of a split frame: the shortest delay browsers honour
SPLIT_SAVING = 6000  # transparent pixels a split must save to be worth a second image


class GifStream:
    """``add(frame, delay_cs)`` for each RGBA frame (H, W, 4 uint8), then ``close()``."""

    def __init__(self, handle, palette_frames, loop: bool = True, key_colors=()):
        """``key_colors`` (RGB triples) get exact palette entries: small markers in a colour of
        their own (the red end cross) would otherwise merge into a larger neighbour's colour."""
        self.handle = handle
        self.loop = loop
        keys = np.unique(np.array(key_colors, dtype=np.int32).reshape(-1, 3), axis=0)
        sample = np.concatenate([np.ascontiguousarray(f[..., :3]) for f in palette_frames])
        quantized = Image.fromarray(sample).quantize(
            colors=COLORS - len(keys), method=Image.Quantize.MEDIANCUT,
            dither=Image.Dither.NONE)
        palette = np.array(quantized.getpalette()[: 3 * (COLORS - len(keys))],
                           dtype=np.int32).reshape(-1, 3)
        palette = np.concatenate([keys, palette])
        self.palette = np.zeros((256, 3), dtype=np.int32)
        self.palette[: len(palette)] = palette
        self.used = len(palette)
        self.palette_bytes = self.palette.astype(np.uint8).tobytes()
        self.cache: dict[int, int] = {}
        self.previous = None
        self.frames = 0
        self.images = 0
        self.frame_ends: list[int] = []  # index of the image that completes each frame

    def _indices(self, keys: np.ndarray) -> np.ndarray:
        """Palette index of each packed 0xBBGGRR colour (nearest palette colour, cached)."""
        unique, inverse = np.unique(keys, return_inverse=True)
        missing = [int(k) for k in unique if int(k) not in self.cache]
        if missing:
            rgb = np.array(missing, dtype=np.int64)
            rgb = np.stack([rgb & 255, (rgb >> 8) & 255, (rgb >> 16) & 255], axis=1)
            dist = ((rgb[:, None, :] - self.palette[None, : self.used, :]) ** 2).sum(axis=2)
            for key, index in zip(missing, dist.argmin(axis=1), strict=True):
                self.cache[key] = int(index)
        lookup = np.array([self.cache[int(k)] for k in unique], dtype=np.uint8)
        return lookup[inverse.ravel()]

    def add(self, frame: np.ndarray, delay_cs: int) -> None:
        packed = np.ascontiguousarray(frame).view(np.uint32)[..., 0] & 0xFFFFFF
        height, width = packed.shape
        if self.previous is None:
            image = self._image(self._indices(packed.ravel()).reshape(height, width))
            info = {"transparency": TRANSPARENT, "duration": delay_cs * 10}
            if self.loop:
                info["loop"] = 0
            header, _ = getheader(image, info=info)
            self.handle.write(b"".join(header))
            self._write(image, (0, 0), delay_cs)
        else:
            changed = packed != self.previous
            rows = np.flatnonzero(changed.any(axis=1))
            if rows.size == 0:  # nothing moved: a 1x1 transparent frame keeps the timing
                self._write(self._image(np.full((1, 1), TRANSPARENT, np.uint8)), (0, 0),
                            delay_cs)
            else:
                bands = self._bands(changed, rows, delay_cs)
                for i, (top, bottom) in enumerate(bands):
                    delay = delay_cs if len(bands) == 1 else (
                        SPLIT_DELAY_CS if i == 0 else delay_cs - SPLIT_DELAY_CS)
                    self._write_band(packed, changed, top, bottom, delay)
        self.previous = packed
        self.frames += 1
        self.frame_ends.append(self.images - 1)

    def _bands(self, changed, rows, delay_cs) -> list[tuple[int, int]]:
        """One band of rows, or two when the gap between them would waste many pixels."""
        whole = [(int(rows[0]), int(rows[-1]) + 1)]
        if delay_cs < 2 * SPLIT_DELAY_CS or rows.size < 2:
            return whole
        gaps = np.diff(rows)
        cut = int(np.argmax(gaps))
        if gaps[cut] <= 1:
            return whole
        split = [(int(rows[0]), int(rows[cut]) + 1), (int(rows[cut + 1]), int(rows[-1]) + 1)]

        def area(top, bottom):
            cols = np.flatnonzero(changed[top:bottom].any(axis=0))
            return (bottom - top) * (cols[-1] - cols[0] + 1)

        saving = area(*whole[0]) - sum(area(*band) for band in split)
        return split if saving > SPLIT_SAVING else whole

    def _write_band(self, packed, changed, top, bottom, delay_cs) -> None:
        cols = np.flatnonzero(changed[top:bottom].any(axis=0))
        left, right = int(cols[0]), int(cols[-1]) + 1
        mask = changed[top:bottom, left:right]
        region = np.full(mask.shape, TRANSPARENT, dtype=np.uint8)
        region[mask] = self._indices(packed[top:bottom, left:right][mask])
        self._write(self._image(region), (left, top), delay_cs)

    def _image(self, indices: np.ndarray) -> Image.Image:
        indices = np.ascontiguousarray(indices, dtype=np.uint8)
        image = Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.tobytes())
        image.putpalette(self.palette_bytes)
        return image

    def _write(self, image, offset, delay_cs) -> None:
        params = {"duration": delay_cs * 10, "disposal": 1, "transparency": TRANSPARENT}
        self.handle.write(b"".join(getdata(image, offset=offset, **params)))
        self.images += 1

    def close(self) -> None:
        self.handle.write(b";")
