"""The walk from a folder up (agentlint/paths.py ``folders_up``): the repository root,
the configuration, the ADK tree and LangGraph's manifest and modules are looked for
with it."""

from __future__ import annotations

import itertools
import os

from agentlint.paths import folders_up


def test_up_to_the_file_system_root() -> None:
    start = os.path.join(os.sep, "a", "b", "c")
    assert list(folders_up(start)) == [start, os.path.join(os.sep, "a", "b"),
                                       os.path.join(os.sep, "a"), os.sep]


def test_up_to_a_top_folder_and_not_past_it() -> None:
    top = os.path.join(os.sep, "repo")
    start = os.path.join(top, "x", "y")
    assert list(folders_up(start, top)) == [start, os.path.join(top, "x"), top]
    # a folder outside the top is walked alone; a name that only starts like it is outside
    assert list(folders_up(os.path.join(os.sep, "repository", "z"), top)) == [
        os.path.join(os.sep, "repository", "z")]
    assert list(folders_up(top, top)) == [top]


def test_the_walk_is_lazy() -> None:
    assert list(itertools.islice(folders_up(os.path.join(os.sep, *"abcdefg")), 2)) == [
        os.path.join(os.sep, *"abcdefg"), os.path.join(os.sep, *"abcdef")]
