"""Loading: every error names file:line:col of the offending node, in plain words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentlint.errors import SpecError
from agentlint.spec.load import load_workflow

HEAD = """agentlint: 1
models:
  m: {per_call_usd: 0.001, per_call_s: 0.5, p_ok: 0.99}
inputs:
  q: {tokens: 100}
"""


def error_of(spec, text: str, name: str = "flow.yaml") -> SpecError:
    path = spec(text, name)
    with pytest.raises(SpecError) as info:
        load_workflow(str(path))
    err = info.value
    assert "\n" not in str(err)
    assert str(err).startswith(f"{path}:{err.line}:{err.col}: ")
    return err


def where(err: SpecError) -> tuple[int, int]:
    return err.line, err.col


def test_unknown_key_points_at_key_with_suggestion(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    retires: 2\n")
    assert where(err) == (9, 5)
    assert "unknown key 'retires'" in err.message and "did you mean 'retries'" in err.message


def test_wrong_type_points_at_value(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    output_tokens: many\n")
    assert where(err) == (9, 20)
    assert "'output_tokens' must be a number" in err.message


def test_p_ok_out_of_range(spec) -> None:
    err = error_of(spec, HEAD.replace("p_ok: 0.99", "p_ok: 1.5") + "steps:\n  - id: a\n"
                   "    model: m\n")
    assert where(err) == (3, 51)
    assert "from 0.001 to 1" in err.message


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_numbers_refused(spec, value: str) -> None:
    err = error_of(spec, HEAD + f"steps:\n  - id: a\n    model: m\n    output_tokens: {value}\n")
    assert where(err) == (9, 20)
    assert err.message == (f"output_tokens: {value} is out of range: output_tokens takes a "
                           "number from 0 to 100000000")


def test_negative_tokens_and_prices(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    output_tokens: -5\n")
    assert "from 0 to" in err.message
    err = error_of(spec, HEAD.replace("per_call_usd: 0.001", "per_call_usd: -1")
                   + "steps:\n  - id: a\n    model: m\n")
    assert where(err) == (3, 21)


def test_duplicate_key_is_an_error(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    model: m\n")
    assert where(err) == (9, 5)
    assert "duplicate key 'model'" in err.message and "line 8" in err.message


def test_duplicate_step_id(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n  - id: a\n    model: m\n")
    assert where(err) == (9, 9)
    assert "duplicate step id 'a'" in err.message


def test_unknown_step_reference_inside_prompt(spec) -> None:
    err = error_of(spec, HEAD + 'steps:\n  - id: a\n    model: m\n'
                   '    prompt: "Use {{ steps.b.output }}"\n')
    assert where(err) == (9, 21)
    assert "unknown step 'b'" in err.message


def test_unknown_reference_in_block_scalar(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    prompt: |\n"
                   "      Read this:\n      {{ inputs.qq }}\n")
    assert where(err) == (11, 10)
    assert "unknown input 'qq'" in err.message and "did you mean 'q'" in err.message


def test_unknown_model_agent_and_needs(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: nope-model-9\n")
    assert where(err) == (8, 12) and "unknown model 'nope-model-9'" in err.message
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    agent: ghost\n")
    assert where(err) == (8, 12) and "unknown agent 'ghost'" in err.message
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    needs: [zz]\n")
    assert where(err) == (9, 13) and "unknown step 'zz'" in err.message


def test_cycle_is_named(spec) -> None:
    err = error_of(spec, HEAD + """execution: dag
steps:
  - id: a
    model: m
    prompt: "{{ steps.c.output }}"
  - id: b
    model: m
    prompt: "{{ steps.a.output }}"
  - id: c
    model: m
    needs: [b]
""")
    assert "dependency cycle: a -> b -> c -> a" in err.message
    assert err.line == 10


def test_sequential_forward_reference(spec) -> None:
    err = error_of(spec, HEAD + """steps:
  - id: a
    model: m
    prompt: "{{ steps.b.output }}"
  - id: b
    model: m
""")
    assert where(err) == (9, 17)
    assert "listed after it" in err.message


def test_unknown_format_version(spec) -> None:
    err = error_of(spec, "agentlint: 2\nsteps: []\n")
    assert where(err) == (1, 12)
    assert "unsupported format version" in err.message


def test_missing_steps(spec) -> None:
    err = error_of(spec, "agentlint: 1\nname: x\n")
    assert where(err) == (1, 1)
    assert "missing the required key 'steps'" in err.message


def test_yaml11_scalars_read_as_written(spec) -> None:
    path = spec(HEAD.replace("  m: {", "  1.10: {") + """steps:
  - id: NO
    model: 1.10
  - id: yes
    model: 1.10
    needs: [NO]
""")
    wf = load_workflow(str(path))
    assert [s.id for s in wf.steps] == ["NO", "yes"]
    assert wf.steps[0].model == "1.10"
    assert wf.steps[1].needs == ["NO"]


def test_bad_yaml_syntax_position(spec) -> None:
    err = error_of(spec, "agentlint: 1\nsteps:\n  - id: a\n   model: [x\n")
    assert err.message.startswith("invalid YAML")
    assert err.line >= 4


def test_prompt_file_relative_and_inside(spec, tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "sys.md").write_text("You help.\n", encoding="utf-8")
    wf = load_workflow(str(spec(HEAD + "steps:\n  - id: a\n    model: m\n"
                                "    system_file: prompts/sys.md\n")))
    assert wf.steps[0].system == "You help.\n"


def test_prompt_file_outside_repository_refused(spec, tmp_path: Path) -> None:
    outside = tmp_path.parent / "secret-outside.txt"
    outside.write_text("TOP SECRET", encoding="utf-8")
    try:
        err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n"
                       "    prompt_file: ../secret-outside.txt\n")
        assert where(err) == (9, 18)
        assert "outside the repository" in err.message
        assert "TOP SECRET" not in str(err)
    finally:
        outside.unlink()


def test_prompt_file_symlink_escaping_refused(spec, tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    os.symlink("/etc/hostname", link)
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    prompt_file: link.md\n")
    assert "outside the repository" in err.message


def test_missing_prompt_file(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    prompt_file: nope.md\n")
    assert where(err) == (9, 18) and "not found" in err.message


def test_every_node_has_a_position(spec) -> None:
    wf = load_workflow(str(spec(HEAD + "steps:\n  - id: a\n    model: m\n  - id: b\n"
                                "    model: m\n    retries: 1\n")))
    assert wf.steps[1].at() == (9, 5)
    assert wf.steps[1].at("retries") == (11, 14)
    assert wf.steps[1].key_at("retries") == (11, 5)
    assert wf.models["m"].at() == (3, 6)


def test_router_route_checks(spec) -> None:
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    kind: router\n"
                   "    routes: [{step: b, share: 0.7}, {step: c, share: 0.7}]\n"
                   "  - id: b\n    model: m\n  - id: c\n    model: m\n")
    assert "add up to 1.4" in err.message
    err = error_of(spec, HEAD + "steps:\n  - id: a\n    model: m\n    routes: [b]\n"
                   "  - id: b\n    model: m\n")
    assert "only for steps with kind: router" in err.message


def test_merge_keys_and_anchors(spec) -> None:
    wf = load_workflow(str(spec(HEAD + """x-defaults: &defaults
  model: m
  retries: 1
steps:
  - <<: *defaults
    id: a
  - <<: *defaults
    id: b
    retries: 0
""")))
    assert [s.retries for s in wf.steps] == [1, 0]


def test_exponent_without_dot_is_a_number(spec) -> None:
    wf = load_workflow(str(spec(HEAD + "steps:\n  - id: a\n    model: m\n"
                                "    cache_hit_rate: 1e-2\n")))
    assert wf.steps[0].cache_hit_rate == 0.01


def test_load_any_refuses_a_folder_as_read_bytes_does(tmp_path: Path) -> None:
    from agentlint.sources import load_any

    (tmp_path / ".git").mkdir()
    folder = tmp_path / "flow.yaml"
    folder.mkdir()
    with pytest.raises(SpecError, match="is a folder, not a regular file"):
        load_any(str(folder))


def test_a_huge_written_number_is_quoted_as_an_excerpt_with_its_length() -> None:
    from agentlint.spec import limits

    digits = "9" * 5000
    assert limits.shown(digits) == "999999999999... (5000 characters)"
    assert limits.shown("1e308") == "1e308"
    message = limits.problem("retries", float("inf"), digits)
    assert message == ("retries: 999999999999... (5000 characters) is out of range: retries "
                       "takes a whole number from 0 to 100")
