"""Prompty files (``.prompty``): one model call each.

What the prompty runtime does with a file (its ``core.py`` and ``parsers.py``): the
YAML front matter between two ``---`` lines says the model (``model.api``,
``model.configuration``: an Azure ``azure_deployment`` or an OpenAI ``name``,
``model.parameters``), the ``inputs`` and a ``sample``; the rest of the file is a
Jinja2 template, rendered with the inputs and then cut into chat messages at its role
lines (``system:``, ``user:``, ``assistant:``, also written ``# system:``). Executing a
prompty is one call of the model with those messages; tools named in
``parameters.tools`` are returned to the caller, not run.

How it is read (docs/formats.md says more):

- the file is one model step, at its ``model:`` key, named by the file (its ``name``
  is another name the profile may use); its system prompt is the template's first
  ``system:`` section and its prompt the rest, each template variable pointed at a
  run input of the same name (``inputs`` and ``sample`` keys, else the variables the
  template inserts);
- ``parameters.max_tokens`` caps the output; a ``sample`` value written inline gives
  its input's size; ``parameters.tools`` make the step an agent that may call tools
  (one call: the prompty runtime returns the tool calls, the caller runs them);
- the model is the Azure deployment (a deployment name: the model behind it is
  assumed, stated) or the configuration's ``name`` / ``model``; a ``${env:...}``
  placeholder names none (the default, stated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentlint.adapters.common import at_of, figure, key_pos, mapping, val_pos
from agentlint.adapters.ir import FileWording, Pos, StepSpec
from agentlint.adapters.lower import Draft
from agentlint.adapters.templates import jinja_tags, rewrite_jinja, split_roles
from agentlint.errors import SpecError
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.tokens import text_tokens
from agentlint.spec.yamlload import load_text

#: a front-matter line: ``---`` alone on its line
_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"^\s*\$\{")
#: configuration keys that name the model, with what each name is
_MODEL_KEYS = (("azure_deployment", "deployment"), ("deployment_name", "deployment"),
               ("name", "model"), ("model", "model"), ("id", "model"))


class PromptyAdapter:
    name = "prompty"

    def sniff(self, path: str, text: str) -> bool:
        return path.lower().endswith(".prompty") and text.lstrip("\ufeff").startswith("---")

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return read_prompty(path, text, display, root)


@dataclass(slots=True)
class PromptyWording(FileWording):
    """How a fix is said to a prompty file: the keys of its front matter."""

    step: str
    model_key: str
    model_at: Pos
    format: str = "prompty"

    def model(self, step: str, model: str) -> str | None:
        if step != self.step:
            return None
        if self.model_key in ("azure_deployment", "deployment_name"):
            return (f"point `model.configuration.{self.model_key}` "
                    f"({self._at(self.model_at)}) at a deployment of `{model}`")
        return (f"set `model.configuration.{self.model_key}: {model}` "
                f"({self._at(self.model_at)})")


def front_matter(text: str, file: str) -> tuple[str, int]:
    """The front matter (from the first ``---`` line to the line before the second, so
    YAML positions are the file's) and the 0-based offset where the template starts."""
    body = text.lstrip("\ufeff")
    skip = len(text) - len(body)
    first = _FENCE.match(body)
    if first is None:
        raise SpecError(file, 1, 1, "a prompty file starts with a YAML front matter "
                        "between two '---' lines")
    second = _FENCE.search(body, first.end())
    if second is None:
        raise SpecError(file, 1, 1, "the front matter is not closed: no second '---' line")
    end = second.end()
    if body.startswith("\n", end):
        end += 1
    elif body.startswith("\r\n", end):
        end += 2
    return body[:second.start()], skip + end


def read_prompty(path: str, text: str, display: str, root: str) -> Workflow:
    head, start = front_matter(text, display)
    doc = load_text(head, display)
    if doc is None:
        doc = YMap()
    if not isinstance(doc, YMap):
        raise SpecError(display, *at_of(doc, (2, 1)), "the front matter of a prompty file "
                        "must be a mapping")
    draft = Draft("prompty", path, display, text, root)
    template = text[start:]
    body_line = text.count("\n", 0, start) + 1
    body_at = (body_line, 1)
    title = doc.get("name")
    draft.name = title.strip() if isinstance(title, str) and title.strip() else None
    stem = re.sub(r"\.prompty$", "", path.replace("\\", "/").rsplit("/", 1)[-1], flags=re.I)
    model_raw = mapping(doc.get("model"))
    model_at = key_pos(doc, "model", (1, 1))
    config = mapping(model_raw.get("configuration"))
    params = mapping(model_raw.get("parameters"))
    spec = StepSpec(draft.new_id(stem, "prompty"), model_at, origin="prompty file",
                    names=(draft.name,) if draft.name else ())
    spec.pos["id"] = model_at
    # -- the model ----------------------------------------------------------------------
    name, via, key, at = None, "model", "azure_deployment", key_pos(model_raw, "configuration",
                                                                    model_at)
    for field, kind in _MODEL_KEYS:
        value = config.get(field)
        if isinstance(value, str) and value.strip():
            key, at = field, val_pos(config, field, at)
            if not _PLACEHOLDER.match(value):
                name, via = value.strip(), kind
            break
    spec.model = draft.model(name, at, via=via, default_reason="the prompty file names no "
                             "model (its configuration is a placeholder or missing)")
    spec.pos["model"] = at
    spec.output_cap = figure(params, "max_tokens", display, "max_tokens", model_at)
    if isinstance(params.get("tools"), (list, str)):
        tools_at = val_pos(params, "tools", model_at)
        spec.agent = spec.id
        draft.agents[spec.id] = {"at": tools_at, "model": spec.model,
                                 "tools": [draft.tool("function_call", tools_at)]}
        spec.calls = 1  # prompty returns the tool calls to the caller: one model call
    # -- inputs and the template ----------------------------------------------------------
    inputs = mapping(doc.get("inputs"))
    sample = doc.get("sample")
    sample_map = sample if isinstance(sample, YMap) else YMap()
    names: dict[str, Pos] = {}
    for raw in (inputs, sample_map):
        for var in raw:
            if isinstance(var, str) and _NAME.fullmatch(var):
                names.setdefault(var, key_pos(raw, var))
    if not names:
        for begin, end in jinja_tags(template):
            tag = template[begin:end]
            if tag.startswith("{{"):
                found = _NAME.match(tag[2:-2].strip())
                if found is not None and found.group(0) not in ("loop", "steps", "inputs"):
                    names.setdefault(found.group(0), body_at)
    refs: dict[str, str] = {}
    for var, var_at in names.items():
        value = sample_map.get(var)
        tokens = float(text_tokens(value)) if isinstance(value, str) and value.strip() and \
            not _PLACEHOLDER.match(value) else None
        declared = mapping(inputs.get(var)).get("type")
        # text a person types (a string input) is the user's; objects and lists are the
        # application's data (a customer record, retrieved documents)
        typed = declared if isinstance(declared, str) else ("string" if tokens is not None or
                                                    var not in sample_map else "object")
        refs[var] = "inputs." + draft.input(var, var_at, tokens=tokens,
                                            untrusted=typed == "string")
    rendered, _used = rewrite_jinja(template, refs)
    system, prompt = split_roles(rendered)
    spec.system = system or None
    spec.prompt = prompt or None
    spec.pos["prompt"] = spec.pos["system"] = body_at
    spec.output_leaves = "the prompty's answer, returned to its caller"
    draft.steps.append(spec)
    wf = draft.finish()
    wf.extra["wording"] = PromptyWording(display, spec.id, key, at)
    return wf
