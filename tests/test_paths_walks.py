"""The walk from a folder up (agentlint/paths.py ``folders_up``: the repository root,
the configuration, the ADK tree and LangGraph's manifest and modules are looked for
with it) and the first of several file names in a folder (``first_file``)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from agentlint.paths import first_file, folders_up


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


def test_first_file_of_several_names(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "tasks.yml").write_text("x", encoding="utf-8")
    (folder / "tasks.yaml").mkdir()  # a folder of that name is no file
    assert first_file(str(folder), ("tasks.yaml", "tasks.yml")) == str(folder / "tasks.yml")
    assert first_file(str(folder), ("agents.yaml",)) is None
