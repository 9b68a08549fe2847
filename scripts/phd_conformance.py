#!/usr/bin/env python3
"""Checks FHIR Bundles against the HL7 PHD IG profiles, reading the rules from the IG's own FSH sources.

Usage: phd_conformance.py [--profiles DIR] [FILE ...]   (no FILE or "-": stdin; JSON or NDJSON bundles)
       phd_conformance.py --profiles DIR --list-rules     (what was parsed, per profile)

The profile sources are Tests/Conformance/phd-ig-1.1.0 (HL7/phd tag 1.1.0, vendored unmodified). Every resource
whose meta.profile names a PHD IG profile is checked against that profile and its parents (`Parent:`):
cardinalities (`* path n..m`), fixed/assigned values (`* path = value`), choice types (`* value[x] only T`),
slicing (`^slicing` discriminators of type value/pattern/exists, `contains name n..m` with each slice's own
rules), required bindings to value sets defined in the sources (enumerated codes, `include codes from system`,
filters on an IG code system's concept properties, MDC partition). `MS` and other flags are informational.
Base FHIR structure (Observation.status 1..1, data types) is left to fhir.resources (scripts/validate_fhir.py).
A construct the checker does not evaluate (`obeys`, `insert`, other discriminator types) is refused, not ignored.

Prints one line per violation: NONCONFORMANT <file> entry[<i>] <Type> (<Profile>) <path>: <rule> [<fsh file>:<line>]
and "CONFORMANT <resources> resources in <bundles> bundles" when there is none; exit 0 conformant, 1 violations,
2 bad input or unusable profile sources.
"""
import json
import os
import re
import sys

DEFAULT_PROFILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Conformance", "phd-ig-1.1.0")
PHD_CANONICAL = "http://hl7.org/fhir/uv/phd/"
# The 1.1.0 value sets write MDC codes as Mdc#code without defining the alias (see the vendored README).
IMPLICIT_ALIASES = {"Mdc": "urn:iso:std:iso:11073:10101"}
FLAGS = {"MS", "SU", "?!", "N", "TU", "D"}
CARDINALITY = re.compile(r"^(\d*)\.\.(\d+|\*)?$")


class SourceError(Exception):
    """The FSH sources use something this checker cannot evaluate, or are malformed."""


# ---------------------------------------------------------------- FSH reading

class Rule:
    def __init__(self, file, line, indent, text):
        self.file, self.line, self.indent, self.text = file, line, indent, text

    @property
    def origin(self):
        return f"{os.path.basename(self.file)}:{self.line}"


class Entity:
    def __init__(self, kind, name, file, line):
        self.kind, self.name, self.file, self.line = kind, name, file, line
        self.keywords = {}
        self.rules = []


def quote_balanced(text):
    return len(re.findall(r'(?<!\\)"', text)) % 2 == 0


def read_fsh(path, aliases):
    """Entities (Profile, ValueSet, CodeSystem, …) with their rules; aliases are collected into `aliases`."""
    entities = []
    current = None
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    number = 0
    while number < len(lines):
        raw = lines[number].rstrip("\r")
        number += 1
        start = number
        while not quote_balanced(raw) and number < len(lines):
            raw += "\n" + lines[number].rstrip("\r")
            number += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("//"):
            continue
        keyword = re.match(r"^([A-Za-z]+):\s*(.*)$", stripped)
        if keyword and not raw.startswith((" ", "\t", "*")):
            name, value = keyword.group(1), keyword.group(2).strip()
            if name == "Alias":
                alias, _, target = value.partition("=")
                aliases[alias.strip()] = target.strip()
            elif name in ("Profile", "ValueSet", "CodeSystem", "Extension", "Instance", "RuleSet", "Invariant", "Logical",
                          "Resource", "Mapping"):
                current = Entity(name, value, path, start)
                entities.append(current)
            elif current is not None:
                current.keywords[name] = value
            continue
        match = re.match(r"^(\s*)\*\s?(.*)$", raw, re.S)
        if match and current is not None:
            current.rules.append(Rule(path, start, len(match.group(1)), match.group(2).strip()))
        elif current is not None and current.rules:
            # A continuation such as the slice list under "* identifier contains".
            current.rules[-1].text += " " + stripped
        else:
            raise SourceError(f"{path}:{start}: unexpected text outside an entity: {stripped[:60]}")
    return entities


def split_path(path):
    """'identifier[systemIdIdentifier].type.coding' -> [('identifier','systemIdIdentifier'), ('type',None), …]."""
    segments = []
    for part in re.findall(r"(?:[^.\[]|\[[^\]]*\])+", path):
        match = re.match(r"^([^\[]+)(?:\[([^\]]+)\])?$", part)
        if not match:
            raise SourceError(f"cannot read path segment {part!r} in {path!r}")
        name, bracket = match.group(1), match.group(2)
        if bracket == "x":
            segments.append((name + "[x]", None))
        else:
            segments.append((name, bracket))
    return segments


def parse_value(text, aliases):
    """An FSH assigned value: "string", #code, system#code, true/false, number."""
    text = text.strip()
    exactly = text.endswith("(exactly)")
    if exactly:
        text = text[: -len("(exactly)")].strip()
    if text.startswith('"'):
        return json.loads(text[: text.rindex('"') + 1])
    if text in ("true", "false"):
        return text == "true"
    if re.match(r"^-?\d+(\.\d+)?$", text):
        return json.loads(text)
    code = re.match(r'^([^\s#"]*)#("?)([^"\s]+)\2(?:\s+".*")?$', text)
    if code:
        system, value = code.group(1), code.group(3)
        if not system:
            return value
        return {"system": aliases.get(system, IMPLICIT_ALIASES.get(system, system)), "code": value}
    raise SourceError(f"cannot read assigned value {text!r}")


# ---------------------------------------------------------------- element tree

class Node:
    def __init__(self, name, slice_name=None):
        self.name, self.slice_name = name, slice_name
        self.min, self.max = None, None
        self.card_origin = None
        self.fixed, self.fixed_origin = None, None
        self.types, self.types_origin = None, None
        self.binding, self.binding_origin = None, None
        self.discriminators, self.slicing_rules, self.slicing_origin = [], "open", None
        self.children, self.slices = {}, {}

    def child(self, name, slice_name):
        node = self.children.setdefault(name, Node(name))
        if slice_name is None:
            return node
        if slice_name not in node.slices:
            raise SourceError(f"slice {name}[{slice_name}] is used before it is declared with 'contains'")
        return node.slices[slice_name]

    def constrained(self):
        """Whether a fixed value or binding sits at or below this node (what a value discriminator can match)."""
        return (self.fixed is not None or self.binding is not None
                or any(c.constrained() for c in self.children.values())
                or any(s.constrained() for s in self.slices.values()))


class Profile:
    def __init__(self, entity):
        self.entity = entity
        self.name = entity.name
        self.parent = entity.keywords.get("Parent", "")
        self.url = None
        self.abstract = False


def element_for(root, path):
    node = root
    for name, slice_name in split_path(path) if path else []:
        node = node.child(name, slice_name)
    return node


def apply_rules(profile, root, aliases):
    """Applies one profile's rules (parents first, by the caller) onto the element tree."""
    context = []  # (indent, path) of the enclosing rules, for indented FSH rules
    for rule in profile.entity.rules:
        while context and context[-1][0] >= rule.indent:
            context.pop()
        prefix = context[-1][1] if context else ""
        text = rule.text
        caret = None
        if text.startswith("^"):
            own, caret = "", text
        elif " ^" in text or text.startswith(". ^"):
            own, _, rest = text.partition(" ^")
            caret = "^" + rest
        else:
            own = None
        if own is None:
            head = re.match(r"^(\S+)\s*(.*)$", text, re.S)
            own, rest = head.group(1), head.group(2).strip()
        own = own.strip()
        path = prefix if own in ("", ".") else (f"{prefix}.{own}" if prefix else own)
        context.append((rule.indent, path))
        if caret is not None:
            apply_caret(profile, root, path, caret, rule, aliases)
            continue
        apply_path_rule(root, path, rest, rule, aliases)


def apply_caret(profile, root, path, caret, rule, aliases):
    match = re.match(r"^\^(\S+)\s*=\s*(.*)$", caret, re.S)
    if not match:
        raise SourceError(f"{rule.origin}: cannot read caret rule {caret!r}")
    key, value = match.group(1), match.group(2).strip()
    if path == "":
        if key == "url":
            profile.url = parse_value(value, aliases)
        elif key == "abstract":
            profile.abstract = parse_value(value, aliases) is True
        return
    if not key.startswith("slicing."):
        return  # documentation (^short, ^definition, …) and ^sliceName carry no rule to check
    node = element_for(root, path)
    node.slicing_origin = rule.origin
    match = re.match(r"^slicing\.discriminator(?:\[(\d+|=|\+)\])?\.(type|path)$", key)
    if match:
        index = match.group(1)
        if index is None or index.isdigit():
            position = int(index or 0)
        elif index == "=":
            position = max(len(node.discriminators) - 1, 0)
        else:
            position = len(node.discriminators)
        while len(node.discriminators) <= position:
            node.discriminators.append({"type": None, "path": None})
        node.discriminators[position][match.group(2)] = parse_value(value, aliases)
    elif key == "slicing.rules":
        node.slicing_rules = parse_value(value, aliases)
    elif key in ("slicing.ordered", "slicing.description"):
        pass
    else:
        raise SourceError(f"{rule.origin}: unsupported slicing rule ^{key}")


def set_cardinality(node, text, rule):
    match = CARDINALITY.match(text)
    low, high = match.group(1), match.group(2)
    if low:
        node.min = int(low)
    if high and high != "*":
        node.max = int(high)
    node.card_origin = rule.origin


def apply_path_rule(root, path, rest, rule, aliases):
    words = rest.split()
    if not words or all(w in FLAGS for w in words):
        element_for(root, path)  # a context rule ("* code") or flags only (MS is informational)
        return
    if CARDINALITY.match(words[0]):
        if any(w not in FLAGS for w in words[1:]):
            raise SourceError(f"{rule.origin}: cannot read rule {rule.text!r}")
        set_cardinality(element_for(root, path), words[0], rule)
        return
    if words[0] == "=":
        node = element_for(root, path)
        node.fixed, node.fixed_origin = parse_value(rest[1:], aliases), rule.origin
        return
    if words[0] == "only":
        node = element_for(root, path)
        types = [w for w in words[1:] if w != "or"]
        if node.name.endswith("[x]"):
            node.types, node.types_origin = types, rule.origin
        return  # "category only CodeableConcept" restates the base type: nothing to check beyond fhir.resources
    if words[0] == "from":
        match = re.match(r"^from\s+(\S+)(?:\s+\((\w+)\))?$", rest)
        url = aliases.get(match.group(1), match.group(1))
        strength = match.group(2) or "required"
        if strength == "required":
            node = element_for(root, path)
            node.binding, node.binding_origin = url, rule.origin
        return
    if words[0] == "contains":
        declare_slices(root, path, rest[len("contains"):], rule, aliases)
        return
    raise SourceError(f"{rule.origin}: unsupported FSH rule {rule.text!r} (e.g. obeys/insert are not evaluated)")


def declare_slices(root, path, text, rule, aliases):
    node = element_for(root, path)
    for item in re.split(r"\s+and\s+", text.strip()):
        parts = item.split()
        flags_free = [p for p in parts if p not in FLAGS]
        if len(flags_free) == 4 and flags_free[1] == "named":  # an extension by URL
            url, name, card = aliases.get(flags_free[0], flags_free[0]), flags_free[2], flags_free[3]
            slice_node = node.slices.setdefault(name, Node(node.name, name))
            url_node = slice_node.children.setdefault("url", Node("url"))
            url_node.fixed, url_node.fixed_origin = url, rule.origin
            if not node.discriminators:
                node.discriminators = [{"type": "value", "path": "url"}]
        elif len(flags_free) == 2:
            name, card = flags_free
            slice_node = node.slices.setdefault(name, Node(node.name, name))
        else:
            raise SourceError(f"{rule.origin}: cannot read slice declaration {item!r}")
        if not CARDINALITY.match(card):
            raise SourceError(f"{rule.origin}: slice {item!r} has no cardinality")
        set_cardinality(slice_node, card, rule)


# ---------------------------------------------------------------- value sets

class Terminology:
    def __init__(self, entities, aliases):
        self.aliases = aliases
        self.code_systems = {}  # url -> {code: {property: value}}
        self.code_system_names = {}
        self.value_sets = {}  # url -> list of ("codes", set((system, code))) / ("system", system, filter or None)
        for entity in entities:
            if entity.kind == "CodeSystem":
                self._read_code_system(entity)
        for entity in entities:
            if entity.kind == "ValueSet":
                self._read_value_set(entity)

    def _url(self, entity):
        for rule in entity.rules:
            if rule.text.startswith("^url"):
                return parse_value(rule.text.partition("=")[2], self.aliases)
        raise SourceError(f"{entity.file}:{entity.line}: {entity.kind} {entity.name} has no ^url")

    def _read_code_system(self, entity):
        url = self._url(entity)
        self.code_system_names[entity.name] = url
        self.code_system_names[entity.keywords.get("Id", entity.name)] = url
        concepts = {}
        current, pending = None, None
        for rule in entity.rules:
            concept = re.match(r'^#("?)([^"\s]+)\1', rule.text)
            if concept and rule.indent == 0:
                current = concepts.setdefault(concept.group(2), {})
                continue
            prop = re.match(r"^\^property\[(?:\d+|=|\+)\]\.(code|value\w+)\s*=\s*(.*)$", rule.text)
            if prop and current is not None and rule.indent > 0:
                value = parse_value(prop.group(2), self.aliases)
                if prop.group(1) == "code":
                    pending = value
                elif pending is not None:
                    current[pending] = value.get("code") if isinstance(value, dict) else value
        self.code_systems[url] = concepts

    def _read_value_set(self, entity):
        url = self._url(entity)
        parts = []
        codes = set()
        for rule in entity.rules:
            if rule.text.startswith("^"):
                continue
            include = re.match(r'^include codes from system (\S+)(?: where (\w+) = "([^"]*)")?$', rule.text)
            if include:
                system = self.code_system_names.get(include.group(1)) or self.aliases.get(include.group(1)) \
                    or IMPLICIT_ALIASES.get(include.group(1), include.group(1))
                parts.append(("system", system, (include.group(2), include.group(3)) if include.group(2) else None))
                continue
            concept = re.match(r'^(\S*)#("?)([^"\s]+)\2', rule.text)
            if concept:
                value = parse_value(rule.text, self.aliases)
                codes.add((value["system"], value["code"]))
                continue
            raise SourceError(f"{rule.origin}: unsupported value set rule {rule.text!r}")
        if codes:
            parts.append(("codes", codes))
        self.value_sets[url] = parts

    def contains(self, url, system, code):
        """True/False when the value set can be evaluated from the sources; raises SourceError otherwise."""
        if url not in self.value_sets:
            raise SourceError(f"value set {url} is not in the vendored sources")
        for part in self.value_sets[url]:
            if part[0] == "codes" and (system, code) in part[1]:
                return True
            if part[0] == "system" and part[1] == system:
                if part[2] is None:
                    return True
                prop, wanted = part[2]
                if system == IMPLICIT_ALIASES["Mdc"] and prop == "partition":
                    # MDC codes are partition * 2^16 + term code (the IG's DeviceTypes11073MDC description).
                    if code.isdigit() and str(int(code) >> 16) in wanted.split(","):
                        return True
                    continue
                concepts = self.code_systems.get(system)
                if concepts is None:
                    raise SourceError(f"value set {url}: filter {prop} on {system}, a code system not in the sources")
                if code in concepts and str(concepts[code].get(prop)) == wanted:
                    return True
        return False


# ---------------------------------------------------------------- instance checking

def capitalised(type_name):
    return type_name[0].upper() + type_name[1:]


def values_at(item, name):
    """The instance values of element `name` in a JSON object (arrays flattened; choice [x] names match any type)."""
    if not isinstance(item, dict):
        return []
    if name.endswith("[x]"):
        stem = name[:-3]
        found = []
        for key, value in item.items():
            if key.startswith(stem) and len(key) > len(stem) and key[len(stem)].isupper():
                found += [(key[len(stem):], v) for v in (value if isinstance(value, list) else [value])]
        return found
    value = item.get(name)
    if value is None:
        return []
    return [(None, v) for v in (value if isinstance(value, list) else [value])]


def pattern_matches(fixed, value):
    if isinstance(fixed, dict):
        if isinstance(value, dict) and "coding" in value:
            return any(pattern_matches(fixed, coding) for coding in value["coding"])
        return isinstance(value, dict) and all(value.get(k) == v for k, v in fixed.items())
    return value == fixed


class Checker:
    def __init__(self, directory):
        self.aliases = {}
        entities = []
        names = sorted(f for f in os.listdir(directory) if f.endswith(".fsh"))
        if not names:
            raise SourceError(f"no .fsh files in {directory}")
        for name in names:
            entities += read_fsh(os.path.join(directory, name), self.aliases)
        unsupported = [e for e in entities if e.kind in ("RuleSet", "Invariant", "Extension", "Logical", "Resource")]
        if unsupported:
            e = unsupported[0]
            raise SourceError(f"{e.file}:{e.line}: {e.kind} {e.name} is not evaluated by this checker")
        self.terminology = Terminology(entities, self.aliases)
        self.profiles = {e.name: Profile(e) for e in entities if e.kind == "Profile"}
        self.trees = {}
        for profile in self.profiles.values():
            chain = self._chain(profile)
            root = Node(profile.name)
            for ancestor in chain:
                apply_rules(ancestor, root, self.aliases)
            self.trees[profile.name] = root
        self.by_url = {}
        for profile in self.profiles.values():
            url = profile.url or PHD_CANONICAL + "StructureDefinition/" + profile.entity.keywords.get("Id", profile.name)
            self.by_url[url] = profile

    def _chain(self, profile):
        chain = [profile]
        while chain[0].parent in self.profiles:
            chain.insert(0, self.profiles[chain[0].parent])
            if len(chain) > 20:
                raise SourceError(f"profile {profile.name}: Parent chain loops")
        if chain[0].parent not in ("Device", "Observation", "Patient"):
            raise SourceError(f"profile {chain[0].name}: Parent {chain[0].parent} is neither a FHIR resource nor vendored")
        return chain

    # -- resources

    def check_resource(self, resource):
        """[(path, rule, origin)] for one resource; [] when it claims no PHD IG profile and needs none."""
        profiles = [p for p in (resource.get("meta") or {}).get("profile", []) if p.startswith(PHD_CANONICAL)]
        kind = resource.get("resourceType")
        if not profiles:
            # A grouping Observation (hasMember, no value) is the gateway's own panel over PHD observations (the spirometry
            # session, docs/fhir-mapping.md); the 1.1.0 IG profiles no panel, so there is nothing of the IG to claim.
            if kind == "Observation" and resource.get("hasMember") and not any(k.startswith("value") for k in resource):
                return [], []
            if kind in ("Device", "Observation"):
                return [(kind, "claims no PHD IG profile in meta.profile", "-")], []
            return [], []
        problems = []
        for url in profiles:
            profile = self.by_url.get(url)
            if profile is None:
                problems.append((kind, f"profile {url} is not among the vendored PHD IG sources", "-"))
                continue
            if profile.abstract:
                problems.append((kind, f"profile {profile.name} is abstract and cannot be claimed", "-"))
            self.check_object(self.trees[profile.name], resource, kind, problems)
        return problems, [self.by_url[u].name for u in profiles if u in self.by_url]

    def check_object(self, node, item, where, problems):
        for name, child in node.children.items():
            self.check_element(child, values_at(item, name), f"{where}.{name}", problems)

    def check_element(self, node, typed_items, where, problems):
        count = len(typed_items)
        if node.min is not None and count < node.min:
            problems.append((where, f"min cardinality {node.min}, found {count}", node.card_origin))
        if node.max is not None and count > node.max:
            problems.append((where, f"max cardinality {node.max}, found {count}", node.card_origin))
        items = [value for _, value in typed_items]
        if node.types:
            allowed = {capitalised(t) for t in node.types}
            for type_name, _ in typed_items:
                if type_name not in allowed:
                    problems.append((where, f"type {type_name} not allowed (only {' or '.join(node.types)})", node.types_origin))
        if node.fixed is not None:
            for index, value in enumerate(items):
                if not pattern_matches(node.fixed, value):
                    problems.append((self._at(where, index, count), f"fixed value {json.dumps(node.fixed)}, found {json.dumps(value)}",
                                     node.fixed_origin))
        if node.binding is not None:
            for index, value in enumerate(items):
                verdict = self.in_binding(node.binding, value)
                if verdict is False:
                    problems.append((self._at(where, index, count), f"required binding {node.binding}: no coding from it",
                                     node.binding_origin))
        for index, value in enumerate(items):
            if isinstance(value, dict):
                self.check_object(node, value, self._at(where, index, count), problems)
        if node.slices:
            self.check_slices(node, items, where, problems)

    @staticmethod
    def _at(where, index, count):
        return f"{where}[{index}]" if count > 1 else where

    def check_slices(self, node, items, where, problems):
        if not node.discriminators:
            raise SourceError(f"{where}: slices declared but no ^slicing discriminator")
        assigned = {name: [] for name in node.slices}
        for index, value in enumerate(items):
            for name, slice_node in node.slices.items():
                if self.in_slice(node, slice_node, value):
                    assigned[name].append((None, value))
                    break
            else:
                if node.slicing_rules == "closed":
                    problems.append((f"{where}[{index}]", "matches no slice of closed slicing", node.slicing_origin))
        for name, slice_node in node.slices.items():
            self.check_element(slice_node, assigned[name], f"{where}[{name}]", problems)

    def in_slice(self, element, slice_node, value):
        for discriminator in element.discriminators:
            kind, path = discriminator["type"], discriminator["path"]
            target = slice_node
            # What the slice fixes at the path may sit in a slice of an element on the way (PhdRtsaObservation:
            # category[vitalSignsCategory].coding[vitalSigns].code for the discriminator coding.code): those count too.
            alternatives = [slice_node]
            candidates = [value]
            if path not in (None, "$this"):
                for name, slice_name in split_path(path):
                    if slice_name is not None:
                        raise SourceError(f"discriminator path {path}: slice names in a path are not evaluated")
                    reached = [n.children[name] for n in alternatives if name in n.children]
                    alternatives = reached + [s for n in reached for s in n.slices.values()]
                    target = target.children.get(name) if target is not None else None
                    candidates = [v for c in candidates for _, v in values_at(c, name)]
            if kind in ("value", "pattern"):
                constrained = [n for n in alternatives if n.constrained()]
                if not constrained:
                    raise SourceError(f"slice {slice_node.slice_name}: nothing fixed or bound at discriminator path {path}")
                if not any(self.matches(n, c) for n in constrained for c in candidates):
                    return False
            elif kind == "exists":
                if target is None:
                    continue
                if target.min and not candidates:
                    return False
                if target.max == 0 and candidates:
                    return False
            else:
                raise SourceError(f"slice {slice_node.slice_name}: discriminator type {kind} is not evaluated")
        return True

    def matches(self, node, value):
        """Whether a value satisfies every fixed value and binding at and below node (a pattern match)."""
        if node.fixed is not None and not pattern_matches(node.fixed, value):
            return False
        if node.binding is not None and self.in_binding(node.binding, value) is False:
            return False
        for name, child in node.children.items():
            values = [v for _, v in values_at(value, name)]
            if child.fixed is not None or child.binding is not None or any(c.constrained() for c in child.children.values()):
                if not any(self.matches(child, v) for v in values):
                    return False
            for slice_node in child.slices.values():
                if slice_node.constrained() and not any(self.matches(slice_node, v) for v in values):
                    return False
        return True

    def in_binding(self, url, value):
        codings = []
        if isinstance(value, dict):
            codings = value.get("coding", [value] if "code" in value else [])
        elif isinstance(value, str):
            raise SourceError(f"binding {url} on a code element: system unknown")
        return any(self.terminology.contains(url, c.get("system"), str(c.get("code"))) for c in codings)


# ---------------------------------------------------------------- command line

def documents(name, text):
    stripped = text.strip()
    if not stripped:
        return []
    try:
        return [(name, json.loads(stripped))]
    except json.JSONDecodeError:
        pass
    return [(f"{name}:{n}", json.loads(line)) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def check_bundle(checker, name, bundle, out):
    """Number of (resources checked, violations) in one bundle, printing each violation."""
    resources, violations = 0, 0
    entries = bundle.get("entry", []) if bundle.get("resourceType") == "Bundle" else [{"resource": bundle}]
    for index, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        problems, names = checker.check_resource(resource)
        resources += 1 if names else 0
        label = f"{resource.get('resourceType')} ({', '.join(names) or 'no PHD profile'})"
        for path, rule, origin in problems:
            violations += 1
            out.append(f"NONCONFORMANT {name} entry[{index}] {label} {path}: {rule} [{origin}]")
    return resources, violations


def main(argv):
    args = argv[1:]
    directory = DEFAULT_PROFILES
    if "--profiles" in args:
        position = args.index("--profiles")
        directory = args[position + 1]
        del args[position:position + 2]
    try:
        checker = Checker(directory)
    except (SourceError, OSError) as error:
        print(f"UNUSABLE profile sources {directory}: {error}")
        return 2
    if args == ["--list-rules"]:
        for name, root in sorted(checker.trees.items()):
            print(f"{name}: {count_rules(root)} constrained elements")
        return 0
    total_resources, total_violations, bundles, lines = 0, 0, 0, []
    for source in args or ["-"]:
        try:
            text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
            docs = documents("stdin" if source == "-" else source, text)
        except (OSError, json.JSONDecodeError) as error:
            print(f"UNREADABLE {source}: {error}")
            return 2
        for name, doc in docs:
            bundles += 1
            try:
                resources, violations = check_bundle(checker, name, doc, lines)
            except SourceError as error:
                print(f"UNUSABLE profile sources {directory}: {error}")
                return 2
            total_resources += resources
            total_violations += violations
    for line in lines:
        print(line)
    if total_violations:
        print(f"NONCONFORMANT {total_violations} violations in {bundles} bundles")
        return 1
    print(f"CONFORMANT {total_resources} resources in {bundles} bundles")
    return 0


def count_rules(node):
    own = 1 if (node.min or node.max is not None or node.fixed is not None or node.binding or node.types) else 0
    return own + sum(count_rules(c) for c in node.children.values()) + sum(count_rules(s) for s in node.slices.values())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
