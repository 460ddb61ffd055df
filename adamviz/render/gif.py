"""Animated GIF written frame by frame, with one palette for the whole animation.

Pillow's ``save(save_all=True)`` keeps every frame in memory until the end; this writer instead
emits each frame as it comes, through Pillow's public GIF helpers ``getheader`` and ``getdata``,
so memory stays flat however many frames there are. Each frame after the first encodes only the
rectangle that changed, with unchanged pixels transparent; the palette is computed once, from the
first and last frames, and each colour is matched to it once (nearest palette colour) and kept
in a lookup table over all 2^24 colours, so no frame is quantized on its own and a colour met
again costs one table read.

Every frame is one image: a GIF has as many images as frames asked. (Splitting a frame whose
changes lie in two bands far apart, the step counter above and the paths below, into two images
saved about a tenth of the file, but the counter then ran 20 ms ahead of the paths and the
images no longer counted the frames.)
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PIL.GifImagePlugin import getdata, getheader

TRANSPARENT = 255  # palette index reserved for "unchanged since the previous frame"
COLORS = 255
MATCH_CHUNK = 4096  # new colours matched to the palette at a time (a 4096 x 255 x 3 array)


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
        # Palette index + 1 of every packed colour matched so far, 0 for not yet. Zeros cost no
        # memory until written: only the pages of colours met are ever touched.
        self.lookup = np.zeros(1 << 24, dtype=np.uint8)
        self.previous = None
        self.frames = 0
        self.images = 0

    def _indices(self, keys: np.ndarray) -> np.ndarray:
        """Palette index of each packed 0xBBGGRR colour (its nearest palette colour)."""
        found = self.lookup[keys]
        unmatched = found == 0
        if unmatched.any():
            new = np.unique(keys[unmatched]).astype(np.int64)
            for start in range(0, len(new), MATCH_CHUNK):
                part = new[start: start + MATCH_CHUNK]
                rgb = np.stack([part & 255, (part >> 8) & 255, (part >> 16) & 255], axis=1)
                dist = ((rgb[:, None, :] - self.palette[None, : self.used, :]) ** 2).sum(axis=2)
                self.lookup[part] = dist.argmin(axis=1) + 1
            found[unmatched] = self.lookup[keys[unmatched]]
        return found - 1

    def follow(self, frame: np.ndarray) -> None:
        """Take ``frame`` as the one shown before the next added, without writing it (for a
        second process that encodes the later frames, ``gifsplit``)."""
        self.previous = _packed(frame)

    def add(self, frame: np.ndarray, delay_cs: int) -> None:
        packed = _packed(frame)
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
                self._write_changes(packed, changed, int(rows[0]), int(rows[-1]) + 1, delay_cs)
        self.previous = packed
        self.frames += 1

    def _write_changes(self, packed, changed, top, bottom, delay_cs) -> None:
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


def _packed(frame: np.ndarray) -> np.ndarray:
    """Each pixel's colour as one 0xBBGGRR number."""
    return np.ascontiguousarray(frame).view(np.uint32)[..., 0] & 0xFFFFFF
