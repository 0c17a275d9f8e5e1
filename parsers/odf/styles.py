"""The font of an ODF style, for telling TCVN3 (.VnTime) and VNI text from Unicode.

A style names its font in `style:text-properties` (`style:font-name`, a font-face declared
in `office:font-face-decls`, or `fo:font-family` directly) or inherits it from its parent
style, then from the family's default style. Both parts declare styles: named ones in
styles.xml, automatic ones (what cells and spans point at) in content.xml.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from parsers.odf.package import q

MAX_PARENTS = 20  # a parent chain longer than this (or a loop) is cut
_FACE = q("style", "font-face")
_STYLE = q("style", "style")
_DEFAULT = q("style", "default-style")
_TEXT_PROPS = q("style", "text-properties")
_NAME = q("style", "name")
_FAMILY = q("style", "family")
_PARENT = q("style", "parent-style-name")
_FONT_NAME = q("style", "font-name")
_FONT_FAMILY = q("fo", "font-family")
_SVG_FAMILY = q("svg", "font-family")
STYLE_TAGS = frozenset({_FACE, _STYLE, _DEFAULT})


def _unquote(name: str | None) -> str | None:
    if not name:
        return None
    name = name.split(",")[0].strip().strip("'\"").strip()
    return name or None


@dataclass(frozen=True)
class _Style:
    parent: str | None
    font_name: str | None  # a font-face name, resolved late (faces may come after styles)
    font_family: str | None


class OdfFonts:
    def __init__(self) -> None:
        self.faces: dict[str, str] = {}
        self.styles: dict[tuple[str, str], _Style] = {}
        self.defaults: dict[str, _Style] = {}
        self._cache: dict[tuple[str, str | None, bool], str | None] = {}

    def add(self, element: etree._Element) -> None:
        """Take one style:font-face, style:style or style:default-style element."""
        tag = element.tag
        if tag == _FACE:
            name, family = element.get(_NAME), _unquote(element.get(_SVG_FAMILY))
            if name and family:
                self.faces[name] = family
            return
        props = element.find(_TEXT_PROPS)
        style = _Style(element.get(_PARENT),
                       props.get(_FONT_NAME) if props is not None else None,
                       _unquote(props.get(_FONT_FAMILY)) if props is not None else None)
        family = element.get(_FAMILY, "")
        if tag == _DEFAULT:
            self.defaults[family] = style
        elif tag == _STYLE and element.get(_NAME):
            self.styles[(family, str(element.get(_NAME)))] = style
        self._cache.clear()

    def add_all(self, root: etree._Element) -> None:
        for element in root.iter(_FACE, _STYLE, _DEFAULT):
            self.add(element)

    def _own(self, style: _Style) -> str | None:
        if style.font_name:
            return self.faces.get(style.font_name, _unquote(style.font_name))
        return style.font_family

    def font(self, family: str, name: str | None, default: bool = True) -> str | None:
        """The font a style of `family` gives its text; with `default`, the family's default
        style answers when the chain names none."""
        key = (family, name, default)
        if key not in self._cache:
            self._cache[key] = self._resolve(family, name, default)
        return self._cache[key]

    def _resolve(self, family: str, name: str | None, default: bool) -> str | None:
        for _ in range(MAX_PARENTS):
            style = self.styles.get((family, name)) if name else None
            if style is None:
                break
            own = self._own(style)
            if own:
                return own
            name = style.parent
        fallback = self.defaults.get(family) if default else None
        return self._own(fallback) if fallback is not None else None
