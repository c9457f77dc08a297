"""Records: classes of named fields with a dataclass's equality and text.

A ``@dataclass`` compiles its ``__init__``, ``__repr__`` and ``__eq__`` from
generated source each time its module is imported; on the path of a one-file
``agentlint lint`` that was about 80M of its instructions, more than the lint
itself. A record writes its ``__slots__`` and ``__init__`` by hand, where they
are compiled once with the module, and names its fields, in order, in
``__match_args__``; :class:`Record` derives the rest from that tuple, as a
dataclass does:

* ``repr(r)`` is ``Name(field=value, ...)``, every field in order;
* ``a == b`` holds when both are of the same class and their fields are equal
  in order (a record of another class compares as ``NotImplemented``);
* a record is unhashable, as a dataclass that defines ``__eq__`` is;
* ``match r: case Name(x, y)`` binds the fields in order.

A record's ``__init__`` takes the same arguments with the same defaults as the
dataclass it replaces; a field whose dataclass default was a factory takes
``None`` for "not given" and builds the default then.

A new field is written four times: its annotation (no default), its name in
``__slots__`` and in ``__match_args__``, and its parameter in ``__init__``
(where its default goes); tests/test_startup_records.py checks that they agree.
A class a lint creates is a record, not a dataclass, and no module a lint of a
native spec imports uses ``dataclasses`` (which imports ``inspect``, and that
``ast``, ``dis`` and ``tokenize``): tests/test_startup.py checks it.
:func:`replace` is ``dataclasses.replace`` for records.
"""

from __future__ import annotations

from reprlib import recursive_repr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar


class Record:
    """The base of a record: equality and text over the fields in ``__match_args__``."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()

    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = self.__match_args__
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


if TYPE_CHECKING:
    R = TypeVar("R", bound=Record)


def replace(record: R, /, **changes: Any) -> R:
    """A new record of ``record``'s class, built through its ``__init__`` from every
    field in ``__match_args__``: those named in ``changes`` take the given value, the
    others ``record``'s (``dataclasses.replace`` for a record). A name that is not an
    argument of the class's ``__init__`` raises ``TypeError``, as there."""
    cls: Any = type(record)
    for name in cls.__match_args__:
        if name not in changes:
            changes[name] = getattr(record, name)
    made: R = cls(**changes)
    return made


class FrozenRecord(Record):
    """A record whose fields, once its ``__init__`` has set them, do not change (a
    frozen dataclass): assigning or deleting one raises
    ``dataclasses.FrozenInstanceError``; equal records hash alike."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        if name in self.__match_args__ and hasattr(self, name):
            raise _frozen(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self.__match_args__:
            raise _frozen(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__match_args__))


def _frozen(message: str) -> AttributeError:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(message)
