"""Draws the integration's brand images (custom_components/wiener_netze/brand/).

A meter dial with a lightning bolt on a rounded tile: our own drawing, not Wiener Netze's logo.
Run ``scripts/run python scripts/lib/make_brand.py`` after changing it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parents[2] / "custom_components" / "wiener_netze" / "brand"
RED, WHITE, DARK = (200, 16, 46, 255), (255, 255, 255, 255), (40, 40, 48, 255)


def icon(size: int, *, dark: bool = False) -> Image.Image:
    """The square icon at ``size`` pixels."""
    scale = size / 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8 * scale, 8 * scale, 248 * scale, 248 * scale), 48 * scale, fill=RED)
    face = DARK if dark else WHITE
    draw.ellipse((48 * scale, 48 * scale, 208 * scale, 208 * scale), fill=face)
    bolt = [(140, 62), (92, 138), (124, 138), (112, 194), (164, 114), (130, 114), (146, 62)]
    draw.polygon([(x * scale, y * scale) for x, y in bolt], fill=RED)
    return image


def main() -> None:
    """Write the icons; Home Assistant falls back from the logos to them."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for name, image in {
        "icon.png": icon(256),
        "icon@2x.png": icon(512),
        "dark_icon.png": icon(256, dark=True),
        "dark_icon@2x.png": icon(512, dark=True),
    }.items():
        image.save(BRAND / name, optimize=True)


if __name__ == "__main__":
    main()
