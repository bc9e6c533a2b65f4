"""Draws the desk's icon (the same picture as installer/linux/clerk-desk.svg) as a Windows .ico."""

from __future__ import annotations

import sys

from PIL import Image, ImageDraw


def draw(size: int) -> Image.Image:
    scale = size / 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)

    def box(x: float, y: float, w: float, h: float) -> list[float]:
        return [x * scale, y * scale, (x + w) * scale, (y + h) * scale]

    d.rounded_rectangle(box(4, 4, 56, 56), radius=8 * scale, fill="#1f3a5f")
    d.rectangle(box(16, 12, 32, 40), fill="#ffffff")
    d.rectangle(box(21, 20, 22, 3), fill="#1f3a5f")
    for y, w in ((27, 22), (32, 22), (37, 14)):
        d.rectangle(box(21, y, w, 2), fill="#8ea3bd")
    d.ellipse(box(33, 37, 14, 14), outline="#c0392b", width=max(1, round(2.5 * scale)))
    return image


if __name__ == "__main__":
    draw(256).save(sys.argv[1], sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
