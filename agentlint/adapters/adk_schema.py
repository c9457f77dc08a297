"""What Google ADK accepts in an agent config file, checked before anything is read.

ADK loads ``root_agent.yaml`` (and every ``config_path`` it names) with
``AgentConfig.model_validate``: a pydantic union discriminated by
``agent_class``. ``LlmAgent``, ``LoopAgent``, ``ParallelAgent`` and
``SequentialAgent`` configs forbid keys they do not declare
(``extra='forbid'``); any other class is first read as a ``BaseAgentConfig``
and then resolved by name: a bare name is looked up in ``google.adk.agents``
(so ``RouterAgent`` is ADK's, and ``Foo`` is refused), a dotted name is the
user's own class, validated by that class's own config type at run time, and
a name in the Python standard library is blocked. The tables below are the
fields of those config classes (``agents/*_agent_config.py``,
``common_configs.py``, ``tools/tool_configs.py``): a file ADK would refuse is
refused here, with the first violation at its ``file:line:col``, in ADK's terms.
"""

from __future__ import annotations

import difflib
import sys

from agentlint.adapters.common import at_of, key_pos, val_pos
from agentlint.errors import SpecError
from agentlint.spec.positions import YMap, YSeq

#: BaseAgentConfig: every agent
BASE_KEYS = ("agent_class", "name", "description", "sub_agents", "before_agent_callbacks",
             "after_agent_callbacks")
#: the keys each class's config accepts (each forbids the others)
CLASS_KEYS: dict[str, tuple[str, ...]] = {
    "LlmAgent": (
        *BASE_KEYS, "model", "model_code", "instruction", "static_instruction",
        "disallow_transfer_to_parent", "disallow_transfer_to_peers", "input_schema",
        "output_schema", "output_key", "accumulate_output_key", "include_contents", "tools",
        "before_model_callbacks", "after_model_callbacks", "before_tool_callbacks",
        "after_tool_callbacks", "generate_content_config"),
    "LoopAgent": (*BASE_KEYS, "max_iterations"),
    "ParallelAgent": BASE_KEYS,
    "SequentialAgent": BASE_KEYS,
    "RouterAgent": (*BASE_KEYS, "classifier_agent_name", "routing_key", "routes",
                    "default_route"),
}
#: fields without a default
REQUIRED: dict[str, tuple[str, ...]] = {
    "LlmAgent": ("name", "instruction"),
    "RouterAgent": ("name", "classifier_agent_name"),
}
#: names ``agent_class`` may take for each class ADK configures
ALIASES: dict[str, str] = {"": "LlmAgent", "Agent": "LlmAgent"}
for _cls, _module in (("LlmAgent", "llm_agent"), ("LoopAgent", "loop_agent"),
                      ("ParallelAgent", "parallel_agent"),
                      ("SequentialAgent", "sequential_agent"),
                      ("RouterAgent", "router_agent")):
    ALIASES[_cls] = ALIASES[f"google.adk.agents.{_cls}"] = _cls
    ALIASES[f"google.adk.agents.{_module}.{_cls}"] = _cls
ALIASES["google.adk.agents.Agent"] = ALIASES["google.adk.agents.llm_agent.Agent"] = "LlmAgent"
#: what else ``google.adk.agents`` exports: the base class (an agent that does nothing by
#: itself) and names that are no agent class at all
BASE_CLASS = "BaseAgent"
NOT_AGENTS = ("Context", "InvocationContext", "LiveRequest", "LiveRequestQueue",
              "McpInstructionProvider", "RunConfig")
#: AgentRefConfig, ToolConfig, CodeConfig (all extra='forbid')
REF_KEYS = ("config_path", "code")
TOOL_KEYS = ("name", "args")
CODE_KEYS = ("name", "args")
STRING_KEYS = ("name", "description", "model", "instruction", "output_key",
               "classifier_agent_name", "routing_key", "default_route")
BOOL_KEYS = ("disallow_transfer_to_parent", "disallow_transfer_to_peers",
             "accumulate_output_key")
CODE_LISTS = ("before_agent_callbacks", "after_agent_callbacks", "before_model_callbacks",
              "after_model_callbacks", "before_tool_callbacks", "after_tool_callbacks")
_STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)


def agent_class(raw: YMap, file: str) -> str:
    """The class ADK builds from ``raw``: one of :data:`CLASS_KEYS`, ``BaseAgent``, or
    a dotted name of the user's own class. Refuses what ADK cannot resolve."""
    value = raw.get("agent_class", "LlmAgent")
    at = val_pos(raw, "agent_class", at_of(raw))
    if value is None:
        value = "LlmAgent"
    if not isinstance(value, str):
        raise SpecError(file, *at, "agent_class: Input should be a valid string (ADK "
                        "AgentConfig)")
    name = value.strip()
    if name in ALIASES:
        return ALIASES[name]
    if "." not in name:
        full = f"google.adk.agents.{name}"
        if name == BASE_CLASS:
            return BASE_CLASS
        if name in NOT_AGENTS:
            raise SpecError(file, *at, f"agent_class '{name}': Invalid agent class `{full}`."
                            " It must be a subclass of BaseAgent.")
        close = difflib.get_close_matches(name, list(CLASS_KEYS), n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else \
            f" ADK configures {', '.join(CLASS_KEYS)}; a class of your own is a dotted name."
        raise SpecError(file, *at, f"agent_class: Invalid fully qualified name: `{full}` "
                        f"does not exist.{hint}")
    top = name.split(".", 1)[0]
    if top in _STDLIB:
        raise SpecError(file, *at, f"agent_class '{name}': Blocked module reference; ADK "
                        f"agent configs cannot import from '{top}' (the Python standard "
                        "library)")
    if name.startswith("google.adk.agents.") and name.rsplit(".", 1)[-1] == BASE_CLASS:
        return BASE_CLASS
    return name


def check(raw: YMap, file: str, cls: str) -> None:
    """Refuse the first key or value ADK's config class for ``cls`` would refuse."""
    keys = CLASS_KEYS.get(cls)
    if keys is not None:
        for key in raw:
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise SpecError(file, *key_pos(raw, key, at_of(raw)), f"{key}: Extra inputs "
                                f"are not permitted: ADK's {cls}Config does not accept "
                                f"'{key}'{hint}")
    for key in REQUIRED.get(cls, ("name",)):
        if key not in raw or raw.get(key) is None:
            raise SpecError(file, *at_of(raw), f"{key}: Field required: ADK's "
                            f"{cls if cls in CLASS_KEYS else 'BaseAgent'}Config needs '{key}'")
    for key in STRING_KEYS:
        if key in raw and (keys is not None or key in BASE_KEYS) \
                and not isinstance(raw[key], str) and raw[key] is not None:
            raise SpecError(file, *val_pos(raw, key), f"{key}: Input should be a valid "
                            "string")
    name = raw.get("name")
    if isinstance(name, str) and not name.isidentifier():  # BaseAgent's name validator
        raise SpecError(file, *val_pos(raw, "name"), f"name: Found invalid agent name: "
                        f"`{name}`. Agent name must be a valid identifier.")
    if name == "user":
        raise SpecError(file, *val_pos(raw, "name"), "name: Agent name cannot be `user`. "
                        "`user` is reserved for end-user's input.")
    for key in BOOL_KEYS:
        if keys is not None and key in raw and raw[key] is not None \
                and not isinstance(raw[key], bool):
            raise SpecError(file, *val_pos(raw, key), f"{key}: Input should be a valid "
                            "boolean")
    if "include_contents" in raw and raw["include_contents"] not in ("default", "none"):
        raise SpecError(file, *val_pos(raw, "include_contents"), "include_contents: Input "
                        "should be 'default' or 'none'")
    if raw.get("model") and raw.get("model_code"):
        raise SpecError(file, *key_pos(raw, "model_code"), "model_code: Only one of "
                        "`model` or `model_code` should be set.")
    if "max_iterations" in raw and raw["max_iterations"] is not None and (
            isinstance(raw["max_iterations"], bool)
            or not isinstance(raw["max_iterations"], int)):
        value = raw["max_iterations"]
        if not (isinstance(value, float) and value.is_integer()):
            raise SpecError(file, *val_pos(raw, "max_iterations"), "max_iterations: Input "
                            "should be a valid integer")
    if "routes" in raw and raw["routes"] is not None and (
            not isinstance(raw["routes"], YMap)
            or not all(isinstance(v, str) for v in raw["routes"].values())):
        raise SpecError(file, *val_pos(raw, "routes"), "routes: Input should be a valid "
                        "dictionary of route names to sub-agent names")
    _items(raw, "sub_agents", file, REF_KEYS, "AgentRefConfig")
    if keys is not None:
        _items(raw, "tools", file, TOOL_KEYS, "ToolConfig", required="name")
    for key in CODE_LISTS:
        if keys is not None or key in BASE_KEYS:
            _items(raw, key, file, CODE_KEYS, "CodeConfig", required="name")


def _items(raw: YMap, key: str, file: str, allowed: tuple[str, ...], what: str,
           required: str | None = None) -> None:
    value = raw.get(key)
    if value is None:
        return
    if not isinstance(value, YSeq):
        raise SpecError(file, *val_pos(raw, key), f"{key}: Input should be a valid list")
    for index, item in enumerate(value):
        at = val_pos(value, index)
        if not isinstance(item, YMap):
            raise SpecError(file, *at, f"{key}.{index}: Input should be a valid dictionary "
                            f"or instance of {what}")
        for name in item:
            if name not in allowed:
                raise SpecError(file, *key_pos(item, name, at), f"{key}.{index}.{name}: "
                                f"Extra inputs are not permitted ({what} accepts "
                                f"{', '.join(allowed)})")
        if required is not None and not isinstance(item.get(required), str):
            raise SpecError(file, *at, f"{key}.{index}.{required}: Field required "
                            f"({what})")

