"""Containers that remember where each value stood in the YAML file.

Loaded documents are plain ``dict`` / ``list`` subclasses, so every consumer
(schema check, model builder, adapters) can treat them as ordinary data, while
rules and error messages can still ask for the ``line:col`` of any key or
item. Positions are packed into one int (``line << 16 | col``) because a
200,000-step spec has millions of them and tuples would double the memory.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

_COL_BITS = 16
_COL_MASK = (1 << _COL_BITS) - 1


def pack(line: int, col: int) -> int:
    """Pack a 1-based line and column; columns past 65535 are clipped."""
    return (line << _COL_BITS) | min(col, _COL_MASK)


def unpack(pos: int) -> tuple[int, int]:
    return pos >> _COL_BITS, pos & _COL_MASK


class YMap(dict["Any", "Any"]):  # quoted: Any is not imported at run time
    """A mapping with the position of itself, of each key and of each value.

    ``raw`` holds, for values written as plain scalars that YAML 1.1 resolved
    to something other than a string (``NO``, ``1.10``, ``0755``), the text as
    written, so fields that hold names can be read the way the user meant.
    """

    __slots__ = ("kpos", "pos", "raw", "vpos")

    def __init__(self, pos: int = 0) -> None:
        super().__init__()
        self.pos = pos
        self.kpos: dict[Any, int] = {}
        self.vpos: dict[Any, int] = {}
        self.raw: dict[Any, str] | None = None

    def key_at(self, key: Any) -> tuple[int, int]:
        return unpack(self.kpos.get(key, self.pos))

    def value_at(self, key: Any) -> tuple[int, int]:
        return unpack(self.vpos.get(key, self.kpos.get(key, self.pos)))

    def at(self) -> tuple[int, int]:
        return unpack(self.pos)

    def text(self, key: Any) -> Any:
        """The value as the user wrote it when it was a plain scalar, else the value."""
        if self.raw is not None and key in self.raw:
            return self.raw[key]
        return self.get(key)


class YSeq(list["Any"]):  # quoted, as above
    """A sequence with the position of itself and of each item."""

    __slots__ = ("ipos", "pos", "raw")

    def __init__(self, pos: int = 0) -> None:
        super().__init__()
        self.pos = pos
        self.ipos: list[int] = []
        self.raw: dict[int, str] | None = None

    def item_at(self, index: int) -> tuple[int, int]:
        if 0 <= index < len(self.ipos):
            return unpack(self.ipos[index])
        return unpack(self.pos)

    def at(self) -> tuple[int, int]:
        return unpack(self.pos)

    def text(self, index: int) -> Any:
        if self.raw is not None and index in self.raw:
            return self.raw[index]
        return self[index]


def position_of(container: Any, key: Any = None) -> tuple[int, int]:
    """Best known position of ``container[key]`` (or of the container)."""
    if isinstance(container, YMap):
        return container.value_at(key) if key is not None else container.at()
    if isinstance(container, YSeq):
        return container.item_at(key) if isinstance(key, int) else container.at()
    return (1, 1)
