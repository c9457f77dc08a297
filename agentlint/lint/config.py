"""Lint configuration: which rules run, how severe they are, their options.

Settings come from the nearest configuration file above each linted file
(``.agentlint.yaml``, ``.agentlint.yml``, or ``pyproject.toml`` with a
``[tool.agentlint]`` table), searched up to the repository root, then from the
command line, which always has the last word. A file is a whole configuration:
the nearest one wins outright, nothing is merged from files further up, so
what applies to a spec can be read in one place.

Rule selection works in layers (the file, then the command line). Each layer
may replace the selection (``select``), add to it (``extend-select``) and take
from it (``ignore``). A selector is ``ALL``, a code (``AL201``), a code prefix
(``AL2``), a rule name or a family name. A typo in a selector is an error,
not a silently ignored setting.

The shape of a file is checked against the published schema
``agentlint/schemas/config-v1.schema.json`` by the same positioned validator
as the workflow spec (:mod:`agentlint.spec.schema`); this module then only
copies the values and resolves the selectors against the rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from agentlint.errors import SpecError, UsageError
from agentlint.lint.registry import FAMILIES, Registry, Rule
from agentlint.lint.rules import default_registry
from agentlint.paths import (
    MAX_CONFIG_BYTES,
    PatternError,
    Patterns,
    excerpt,
    find_root,
    folders_up,
    is_inside,
    read_bytes,
)
from agentlint.record import Record
from agentlint.spec.positions import YMap, YSeq, pack
from agentlint.spec.schema import SCHEMAS, normalise, validate
from agentlint.spec.yamlload import load_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

CONFIG_FILES = (".agentlint.yaml", ".agentlint.yml", "pyproject.toml")
CONFIG_SCHEMA = SCHEMAS["config"]
OFF = "off"
_CODE_PREFIX = re.compile(r"AL\d{0,3}")


class ConfigError(SpecError):
    """An unusable configuration file: ends the whole run with exit code 2."""


class Config(Record):
    """One configuration file as written (validated for shape, not yet resolved)."""

    __slots__ = ("base_dir", "exclude", "extend_select", "ignore", "models", "path",
                 "per_file_ignores", "rules", "select", "severity", "strict", "where")
    __match_args__ = ("path", "base_dir", "select", "ignore", "extend_select", "severity", "rules",
                      "per_file_ignores", "exclude", "strict", "models", "where")

    path: str | None  # shown in messages; None for the built-in defaults
    base_dir: str  # patterns are relative to the file's folder
    select: list[str] | None
    ignore: list[str]
    extend_select: list[str]
    severity: dict[str, str]
    rules: dict[str, dict[str, Any]]
    per_file_ignores: dict[str, list[str]]
    exclude: list[str]
    strict: bool
    #: a LiteLLM proxy config (``models``), as a path relative to ``base_dir``
    models: str | None
    #: where each setting was written, for error messages: key path -> (line, col)
    where: dict[tuple[str, ...], tuple[int, int]]

    def __init__(self, path: str | None = None, base_dir: str = ".",
                 select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, severity: dict[str, str] | None = None,
                 rules: dict[str, dict[str, Any]] | None = None,
                 per_file_ignores: dict[str, list[str]] | None = None,
                 exclude: list[str] | None = None, strict: bool = False,
                 models: str | None = None,
                 where: dict[tuple[str, ...], tuple[int, int]] | None = None) -> None:
        self.path = path
        self.base_dir = base_dir
        self.select = select
        self.ignore = [] if ignore is None else ignore
        self.extend_select = [] if extend_select is None else extend_select
        self.severity = {} if severity is None else severity
        self.rules = {} if rules is None else rules
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.exclude = [] if exclude is None else exclude
        self.strict = strict
        self.models = models
        self.where = {} if where is None else where

    def pos(self, *keys: str) -> tuple[int, int]:
        while keys:
            if keys in self.where:
                return self.where[keys]
            keys = keys[:-1]
        return (1, 1)

    def error(self, keys: tuple[str, ...], message: str) -> ConfigError:
        return ConfigError(self.path or "configuration", *self.pos(*keys), message)


class Overrides(Record):
    """What the command line says; applied after the configuration file."""

    __slots__ = ("config", "exclude", "extend_select", "ignore", "models", "profile", "select",
                 "strict")
    __match_args__ = ("select", "ignore", "extend_select", "exclude", "config", "strict",
                      "models", "profile")

    select: list[str] | None
    ignore: list[str]
    extend_select: list[str]
    exclude: list[str]
    config: str | None  # use this file for every spec instead of searching
    strict: bool
    models: str | None  # --models: a LiteLLM proxy config for every workflow
    profile: str | None  # --profile: a profile laid over every native spec

    def __init__(self, select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, exclude: list[str] | None = None,
                 config: str | None = None, strict: bool = False,
                 models: str | None = None, profile: str | None = None) -> None:
        self.select = select
        self.ignore = [] if ignore is None else ignore
        self.extend_select = [] if extend_select is None else extend_select
        self.exclude = [] if exclude is None else exclude
        self.config = config
        self.strict = strict
        self.models = models
        self.profile = profile


class Settings(Record):
    """The effective settings for one configuration: ready for the engine."""

    __slots__ = ("config", "enabled", "exclude", "models", "options", "per_file", "profile",
                 "registry", "rules", "severity", "strict")
    __match_args__ = ("rules", "severity", "options", "strict", "config", "per_file", "enabled",
                      "exclude", "registry", "models", "profile")

    rules: list[Rule]  # enabled, in code order
    severity: dict[str, str]  # code -> severity actually reported
    options: dict[str, dict[str, Any]]  # rule name -> configured options
    strict: bool
    config: Config
    #: (pattern, codes) pairs from per-file-ignores
    per_file: list[tuple[Patterns, frozenset[str]]]
    enabled: frozenset[str]
    #: the configuration's ``exclude``
    exclude: Patterns
    #: every rule known to the run (suppression comments may name any of them)
    registry: Registry
    #: the LiteLLM proxy config the workflows' model names go through (a path), if any
    models: str | None
    #: the profile laid over every native spec (``--profile``), if any
    profile: str | None

    def __init__(self, rules: list[Rule], severity: dict[str, str],
                 options: dict[str, dict[str, Any]], strict: bool, config: Config,
                 per_file: list[tuple[Patterns, frozenset[str]]] | None = None,
                 enabled: frozenset[str] = frozenset(), exclude: Patterns | None = None,
                 registry: Registry | None = None,
                 models: str | None = None, profile: str | None = None) -> None:
        self.rules = rules
        self.severity = severity
        self.options = options
        self.strict = strict
        self.config = config
        self.per_file = [] if per_file is None else per_file
        self.enabled = enabled
        self.exclude = Patterns((), ".") if exclude is None else exclude
        self.registry = default_registry() if registry is None else registry
        self.models = models
        self.profile = profile

    def for_file(self, path: str) -> Settings:
        """These settings minus the rules ``per-file-ignores`` switches off for ``path``."""
        if not self.per_file:
            return self
        off: set[str] = set()
        for pattern, codes in self.per_file:
            if pattern.match(path):
                off |= codes
        if not off:
            return self
        rules = [r for r in self.rules if r.code not in off]
        return Settings(rules, self.severity, self.options, self.strict, self.config, [],
                        frozenset(r.code for r in rules), self.exclude, self.registry,
                        self.models, self.profile)

    def excluded(self, path: str) -> bool:
        """Does the configuration's ``exclude`` leave ``path`` out?"""
        return self.exclude.match(path)


# -- reading files ----------------------------------------------------------------------


def read_config(path: str) -> Config | None:
    """Read one configuration file; None for a pyproject.toml without our table."""
    shown = _display(path)
    try:
        data = read_bytes(path, None, limit=MAX_CONFIG_BYTES, what="configuration file",
                          shown=shown)
    except SpecError as exc:
        raise ConfigError(shown, 1, 1, exc.message) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(shown, 1, 1, "configuration file is not UTF-8 text") from None
    base = os.path.dirname(os.path.abspath(path))
    if path.endswith(".toml"):
        return _from_toml(text, shown, base, os.path.basename(path) == "pyproject.toml")
    return _from_yaml(text, shown, base)


def _from_toml(text: str, shown: str, base: str, pyproject: bool) -> Config | None:
    if pyproject and "agentlint" not in text:
        return None
    import tomllib  # read on first use: most runs find no TOML configuration

    try:
        doc = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or table
        raise ConfigError(shown, 1, 1, "the TOML is nested too deeply to read") from None
    except tomllib.TOMLDecodeError as exc:
        if pyproject and "[tool.agentlint" not in text:
            return None  # someone else's broken table is not our business
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        reason = excerpt(re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)), 120)
        raise ConfigError(shown, line, col, f"invalid TOML: {reason}") from None
    table = doc.get("tool", {}).get("agentlint") if isinstance(doc.get("tool"), dict) else None
    if table is None:
        if pyproject:
            return None
        table = doc
    config = Config(path=shown, base_dir=base)
    where = _TomlWhere(text, _toml_header_line(text))
    if not isinstance(table, dict):  # `agentlint = 3` under [tool]
        raise ConfigError(shown, *where(("agentlint",)), "tool.agentlint must be a table of "
                          "settings")
    _fill(config, _checked(where.positioned(table, (), where(())), shown))
    return config


def _from_yaml(text: str, shown: str, base: str) -> Config:
    try:
        doc = load_text(text, shown)
    except SpecError as exc:
        raise ConfigError(exc.file, exc.line, exc.col, exc.message) from None
    config = Config(path=shown, base_dir=base)
    if doc is None:
        return config
    _fill(config, _checked(normalise(doc, CONFIG_SCHEMA), shown))
    return config


def _checked(doc: Any, shown: str) -> Any:
    """``doc`` once the configuration schema accepts it; else a ConfigError at the fault."""

    try:
        validate(doc, shown, CONFIG_SCHEMA, noun="a configuration")
    except SpecError as exc:
        raise ConfigError(exc.file, exc.line, exc.col, exc.message) from None
    return doc


class _TomlWhere:
    """Approximate positions in TOML (tomllib keeps none): the key's first mention."""

    def __init__(self, text: str, header: int) -> None:
        self.lines = text.splitlines()
        self.header = header

    def __call__(self, keys: tuple[str, ...]) -> tuple[int, int]:
        line, col = self.header, 1
        start = max(0, self.header - 1)
        for key in keys:
            for i in range(start, len(self.lines)):
                at = _key_at(self.lines[i], key) if key in self.lines[i] else None
                if at is not None:
                    line, col, start = i + 1, at + 1, i
                    break
            else:
                break
        return (line, col)

    def value(self, keys: tuple[str, ...]) -> tuple[int, int]:
        """Where the value of ``keys`` starts: after the ``=`` on the key's line."""
        line, col = self(keys)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        match = re.compile(r"[\"']?\s*=\s*(?=\S)").match(text, col - 1 + len(keys[-1])) \
            if keys else None
        return (line, match.end() + 1) if match else (line, col)

    def item(self, keys: tuple[str, ...], index: int, value: str) -> tuple[int, int]:
        line, col = self(keys)
        for quote in ('"', "'"):
            for i in range(line - 1, min(len(self.lines), line + 50)):
                at = self.lines[i].find(quote + value + quote, col if i == line - 1 else 0)
                if at != -1:
                    return (i + 1, at + 1)
        return (line, col)

    def positioned(self, value: Any, keys: tuple[str, ...], at: tuple[int, int]) -> Any:
        """``value`` (from tomllib) as YMap / YSeq with positions, for the validator."""

        if isinstance(value, dict):
            out = YMap(pack(*at))
            for key, sub in value.items():
                path = (*keys, str(key))
                spot = self.value(path)
                out[key] = self.positioned(sub, path, spot)
                out.kpos[key] = pack(*self(path))
                out.vpos[key] = pack(*spot)
            return out
        if isinstance(value, list):
            seq = YSeq(pack(*at))
            for index, sub in enumerate(value):
                spot = self.item(keys, index, sub) if isinstance(sub, str) else at
                seq.append(self.positioned(sub, keys, spot))
                seq.ipos.append(pack(*spot))
            return seq
        return value


def _key_at(text: str, key: str) -> int | None:
    """Where ``key`` is first written as a key in ``text``: the match of
    ``(^|[\\s.{,\\[\"'])KEY(?=[\"']?\\s*[=.\\]])``, found in linear time.

    That expression retried every place against the whole key and the blanks
    after it, quadratic on a long key of blanks; here the places the key occurs
    come from one Z-array, and the blanks after each from one backward pass.
    """
    n, m = len(text), len(key)
    if not m:
        return None
    joined = key + "\0" + text  # decoded text holds no NUL
    z = [0] * len(joined)
    left = right = 0
    for i in range(1, len(joined)):
        if i < right:
            z[i] = min(right - i, z[i - left])
        while i + z[i] < len(joined) and joined[z[i]] == joined[i + z[i]]:
            z[i] += 1
        if i + z[i] > right:
            left, right = i, i + z[i]
    after_blanks = [n] * (n + 1)  # the first non-blank at or after each index
    for i in range(n - 1, -1, -1):
        after_blanks[i] = after_blanks[i + 1] if text[i].isspace() else i
    for at in range(n - m + 1):
        if z[m + 1 + at] < m:
            continue
        if at > 0 and not (text[at - 1].isspace() or text[at - 1] in ".{,[\"'"):
            continue
        end = at + m
        if end < n and text[end] in "\"'":
            end += 1
        end = after_blanks[end]
        if end < n and text[end] in "=.]":
            return at
    return None


def _toml_header_line(text: str) -> int:
    for i, line in enumerate(text.splitlines()):
        if line.strip().startswith("[tool.agentlint"):
            return i + 1
    return 1


def _fill(config: Config, doc: Any) -> None:
    """Copy the settings of a checked document into ``config``, noting where each stood."""
    for raw_key, value in doc.items():
        key = str(raw_key).replace("_", "-")
        config.where[(key,)] = doc.key_at(raw_key)
        if key == "strict":
            config.strict = value
        elif key == "models":
            config.models = os.path.join(config.base_dir, str(value))
        elif key == "severity":
            for sel, level in value.items():
                config.where[(key, sel)] = value.key_at(sel)
                # `false`: a bare `off` in YAML 1.1, or false in TOML
                config.severity[sel] = OFF if level is False else level.lower()
        elif key == "rules":
            for name, options in value.items():
                config.where[(key, name)] = value.key_at(name)
                for option in options:
                    config.where[(key, name, option)] = options.key_at(option)
                config.rules[name] = dict(options)
        elif key == "per-file-ignores":
            for pattern in value:
                config.where[(key, pattern)] = value.key_at(pattern)
                config.per_file_ignores[pattern] = _strings(config, (key, pattern), value,
                                                            pattern)
        else:  # select, ignore, extend-select, exclude
            setattr(config, key.replace("-", "_"), _strings(config, (key,), doc, raw_key))


def _strings(config: Config, keys: tuple[str, ...], container: Any, key: str) -> list[str]:
    """A list of strings (or one string: ``select = "AL1"``), trimmed, blanks left out."""
    value = container[key]
    if isinstance(value, str):
        items, spots = [value], [container.value_at(key)]
    else:
        items, spots = list(value), [value.item_at(i) for i in range(len(value))]
    out = []
    for item, spot in zip(items, spots, strict=True):
        if item.strip():
            out.append(item.strip())
            config.where.setdefault((*keys, item.strip()), spot)
    return out


def _display(path: str) -> str:
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.startswith("..") else rel


# -- finding the file for a spec ---------------------------------------------------------


class ConfigFinder:
    """The settings for each linted file, read once per folder."""

    def __init__(self, overrides: Overrides | None = None,
                 registry: Registry | None = None) -> None:
        self.overrides = overrides or Overrides()
        self.registry = registry or default_registry()
        self._dirs: dict[str, Config | None] = {}
        self._settings: dict[int, Settings] = {}
        self._default = Config(base_dir=os.getcwd())
        self._explicit: Config | None = None
        if self.overrides.config is not None:
            path = self.overrides.config
            if not os.path.isfile(path):
                raise UsageError(f"--config {path}: no such file")
            self._explicit = read_config(path) or Config(path=_display(path),
                                                         base_dir=os.path.dirname(
                                                             os.path.abspath(path)))
        #: ``--exclude``: relative to the working directory
        self.exclude = Patterns(self.overrides.exclude, os.getcwd(), origin="--exclude")
        self._check_cli()

    def excluded(self, path: str) -> bool:
        """Is ``path`` left out, by ``--exclude`` or by its configuration's ``exclude``?"""
        return self.exclude.match(path) or self.settings_for(path).excluded(path)

    def _check_cli(self) -> None:
        rules = self.registry.rules()
        o = self.overrides
        for option, values in (("--select", o.select or []), ("--ignore", o.ignore),
                               ("--extend-select", o.extend_select)):
            for sel in values:
                if _is_load_error(sel):
                    raise UsageError(f"'{sel}' in {option}: {LOAD_ERROR_FIXED}")
                if not match_selector(sel, rules):
                    raise UsageError(f"unknown rule selector '{sel}' in {option}"
                                     + selector_hint(sel, rules))

    def config_for(self, path: str) -> Config:
        if self._explicit is not None:
            return self._explicit
        start = os.path.dirname(os.path.abspath(path))
        root = find_root(start)
        visited = []
        found: Config | None = None
        # this folder, then each above it up to the repository's root (this one alone
        # when it lies outside the root)
        for here in folders_up(start, root if is_inside(start, root) else start):
            if here in self._dirs:
                found = self._dirs[here]
                break
            visited.append(here)
            found = self._read_dir(here)
            if found is not None:
                break
        for d in visited:
            self._dirs[d] = found
        return found or self._default

    def _read_dir(self, folder: str) -> Config | None:
        for name in CONFIG_FILES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                config = read_config(candidate)
                if config is not None:
                    return config
        return None

    def settings_for(self, path: str) -> Settings:
        """Effective settings for ``path``, before per-file ignores."""
        config = self.config_for(path)
        key = id(config)
        if key not in self._settings:
            self._settings[key] = resolve(config, self.overrides, self.registry)
        return self._settings[key]


# -- resolving selectors -----------------------------------------------------------------


#: AL000 ``load-error`` (a spec that cannot be read) is no rule of the table: it is
#: always reported and always fails the run, like ruff's syntax errors
LOAD_ERROR = ("AL000", "load-error")
LOAD_ERROR_FIXED = ("AL000 (load-error) cannot be selected, ignored or given a severity: "
                    "a spec that cannot be read is always reported and exits 2; "
                    "leave the file out with an exclude pattern instead")


def _is_load_error(selector: str) -> bool:
    sel = selector.strip()
    return sel.upper() == LOAD_ERROR[0] or sel.lower() == LOAD_ERROR[1]


def match_selector(selector: str, rules: Iterable[Rule]) -> list[Rule]:
    """The rules a selector means: ALL, a code or code prefix, a rule or family name."""
    sel = selector.strip()
    upper, lower = sel.upper(), sel.lower()
    rules = list(rules)
    if upper == "ALL":
        return rules
    if _CODE_PREFIX.fullmatch(upper):
        return [r for r in rules if r.code.startswith(upper)]
    if lower in FAMILIES:
        return [r for r in rules if r.family == lower]
    return [r for r in rules if r.name == lower]


def specificity(selector: str) -> int:
    """How narrowly a selector names rules: the narrower one wins a conflict."""
    upper = selector.strip().upper()
    if upper == "ALL":
        return 0
    if selector.strip().lower() in FAMILIES:
        return 1
    if _CODE_PREFIX.fullmatch(upper):
        return len(upper)  # AL = 2 ... AL201 = 5
    return 10  # a rule name


def selector_hint(selector: str, rules: Iterable[Rule]) -> str:
    import difflib

    words = [r.code for r in rules]
    words += [r.name for r in rules] + list(FAMILIES)
    close = difflib.get_close_matches(selector, words, n=1, cutoff=0.6) or \
        difflib.get_close_matches(selector.lower(), words, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return "; 'agentlint rules' lists codes and names"


def resolve(config: Config, overrides: Overrides | None = None,
            registry: Registry | None = None) -> Settings:
    """Turn a configuration (and the command line) into the rules to run.

    ``registry``: the rules that exist (agentlint's own by default).
    """
    registry = registry or default_registry()
    rules = registry.rules()
    o = overrides or Overrides()

    def matching(sel: str, *keys: str) -> list[Rule]:
        """The rules ``sel`` names; an error at ``keys`` + ``sel`` when it names none."""
        matched = match_selector(sel, rules)
        if _is_load_error(sel):
            raise config.error((*keys, sel), f"'{sel}' in '{keys[0]}': {LOAD_ERROR_FIXED}")
        if not matched:
            raise config.error((*keys, sel), f"unknown rule selector '{sel}' in "
                               f"'{keys[0]}'" + selector_hint(sel, rules))
        return matched

    def pick(selectors: list[str], *keys: str) -> set[str]:
        return {r.code for sel in selectors for r in matching(sel, *keys)}

    # effective severities: the most specific selector wins
    default = {r.code: r.severity for r in rules}
    severity = dict(default)
    ordered = sorted(config.severity.items(), key=lambda kv: specificity(kv[0]))
    for sel, level in ordered:
        for r in matching(sel, "severity"):
            severity[r.code] = level

    enabled = {r.code for r in rules if r.default_enabled}
    if config.select is not None:
        enabled = pick(config.select, "select")
    enabled |= pick(config.extend_select, "extend-select")
    enabled -= pick(config.ignore, "ignore")
    enabled -= {code for code, level in severity.items() if level == OFF}
    if o.select is not None:
        enabled = {r.code for sel in o.select for r in match_selector(sel, rules)}
    enabled |= {r.code for sel in o.extend_select for r in match_selector(sel, rules)}
    enabled -= {r.code for sel in o.ignore for r in match_selector(sel, rules)}
    for code in enabled:  # selected on the command line although "off" in the file
        if severity[code] == OFF:
            severity[code] = default[code]

    options: dict[str, dict[str, Any]] = {}
    for name, values in config.rules.items():
        named = registry.find(name)
        if named is None:
            raise config.error(("rules", name), f"unknown rule '{name}' in 'rules'"
                               + selector_hint(name, rules))
        for option, value in values.items():
            if option not in named.options:
                known = ", ".join(sorted(named.options)) or "none"
                raise config.error(("rules", name, option), f"rule '{named.name}' has no option "
                                   f"'{option}' (its options: {known})")
            _check_type(config, named, option, value)
        options.setdefault(named.name, {}).update(values)

    per_file = [(_patterns(config, ("per-file-ignores", pattern), [pattern]),
                 frozenset(pick(codes, "per-file-ignores", pattern)))
                for pattern, codes in config.per_file_ignores.items()]
    exclude = _patterns(config, ("exclude",), config.exclude)
    chosen = [r for r in rules if r.code in enabled]
    return Settings(chosen, severity, options, config.strict or o.strict, config, per_file,
                    frozenset(enabled), exclude, registry, o.models or config.models,
                    o.profile)


def _patterns(config: Config, keys: tuple[str, ...], patterns: list[str]) -> Patterns:
    """The configuration's patterns, relative to its folder; a bad one is a ConfigError."""
    if keys[0] == "per-file-ignores" and patterns[0].startswith("!"):
        raise config.error(keys, f"per-file-ignores pattern '{patterns[0]}': a pattern "
                           "starting with '!' matches nothing on its own; '!' re-includes "
                           "files in an 'exclude' list")
    try:
        return Patterns(patterns, config.base_dir, origin=f"pattern in '{keys[0]}'")
    except PatternError as exc:
        raise config.error((*keys, exc.pattern) if keys[0] == "exclude" else keys,
                           str(exc)) from None


def _check_type(config: Config, r: Rule, option: str, value: Any) -> None:
    default = r.options[option]
    if default is None:
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        kind = "true or false"
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "a number"
    elif isinstance(default, str):
        ok = isinstance(value, str)
        kind = "text"
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list)
        kind = "a list"
    else:
        return
    if not ok:
        raise config.error(("rules", r.name, option), f"option '{option}' of rule "
                           f"'{r.name}' must be {kind} (default {default!r}), not {value!r}")


# -- showing the effective settings ------------------------------------------------------

#: where a value came from when neither a file nor the command line set it
DEFAULTS = "defaults"


class Shown(Record):
    """One line of ``lint --show-settings``: a setting, its effective value, its source."""

    __slots__ = ("key", "source", "value")
    __match_args__ = ("key", "value", "source")

    key: str
    value: str
    source: str

    def __init__(self, key: str, value: str, source: str) -> None:
        self.key = key
        self.value = value
        self.source = source


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def show_settings(finder: ConfigFinder, path: str) -> tuple[str, list[Shown]]:
    """The settings ``lint`` applies to ``path`` (a spec, or a folder's specs) and where
    each value comes from: the defaults, the configuration file (``FILE:LINE``) or the
    command line (``--option``). Returns the configuration file's name ("none
    (defaults)" when there is none) and the lines. For a file, ``enabled`` is what runs
    on it, ``per-file-ignores`` applied."""
    target = os.path.join(path, "stdin.yaml") if os.path.isdir(path) else path
    config = finder.config_for(target)
    settings = finder.settings_for(target)
    o = finder.overrides
    rows: list[Shown] = []

    def at(*keys: str) -> str:
        line, _ = config.pos(*keys)
        return f"{config.path}:{line}"

    def source(keys: tuple[str, ...], in_file: bool, option: str, on_cli: bool) -> str:
        parts = [at(*keys)] if in_file else []
        if on_cli:
            parts.append(f"command line ({option})")
        return ", ".join(parts) or DEFAULTS

    rows.append(Shown("select", _list(config.select) if config.select is not None
                      else '["default rules"]',
                      source(("select",), config.select is not None, "--select", False)))
    if o.select is not None:
        rows[-1] = Shown("select", _list(o.select), "command line (--select)")
    for key, mine, theirs, option in (
            ("extend-select", config.extend_select, o.extend_select, "--extend-select"),
            ("ignore", config.ignore, o.ignore, "--ignore")):
        rows.append(Shown(key, _list([*mine, *theirs]),
                          source((key,), bool(mine), option, bool(theirs))))
    runs = settings if os.path.isdir(path) else settings.for_file(target)
    rows.append(Shown("enabled", _list(r.code for r in runs.rules),
                      "the result of the lines above" + (
                          " and per-file-ignores" if runs is not settings else "")))
    for sel, level in sorted(config.severity.items()):
        rows.append(Shown(f"severity.{sel}", level, at("severity", sel)))
    written = {r.name: (name, values) for name, values in config.rules.items()
               if (r := settings.registry.find(name)) is not None}
    for r in settings.registry.rules():
        name, values = written.get(r.name, ("", {}))
        for option, default in r.options.items():
            if option in values:
                rows.append(Shown(f"rules.{r.name}.{option}", _value(values[option]),
                                  at("rules", name, option)))
            else:
                rows.append(Shown(f"rules.{r.name}.{option}", _value(default), DEFAULTS))
    for pattern, codes in config.per_file_ignores.items():
        rows.append(Shown(f"per-file-ignores.{pattern}", _list(codes),
                          at("per-file-ignores", pattern)))
    rows.append(Shown("exclude", _list([*config.exclude, *o.exclude]),
                      source(("exclude",), bool(config.exclude), "--exclude", bool(o.exclude))))
    rows.append(Shown("strict", "true" if settings.strict else "false",
                      source(("strict",), config.strict, "--strict", o.strict)))
    models = o.models if o.models is not None else config.models
    rows.append(Shown("models", f'"{models}"' if models is not None else "none",
                      source(("models",), config.models is not None, "--models",
                             o.models is not None)))
    where = config.path or "none (defaults)"
    if o.config is not None:
        where += " (--config)"
    return where, rows


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)
