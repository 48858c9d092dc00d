"""A small JSON Schema (draft 2020-12) checker for the keywords the schemas in docs/schemas/ use.
Kept instead of Debian's python3-jsonschema (4.10.3 in bookworm): that would be a new test
dependency for what fits in a hundred lines, and it cannot check key order. Unknown keywords
fail loudly, so a schema cannot grow a rule this checker silently ignores. It also checks that
an object's listed properties appear in the order the schema lists them: every IBSR artefact is
written in a fixed order, so a reordering is a change of format."""
import json
import os
import re

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs",
                       "schemas")
_IGNORED = {"$schema", "$id", "title", "description", "$defs"}
_KNOWN = _IGNORED | {"type", "const", "enum", "required", "properties", "additionalProperties",
                     "propertyNames", "items", "minItems", "maxItems", "minimum", "maximum",
                     "minLength", "maxLength", "pattern", "$ref"}


def load(name="payload-v1.schema.json"):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def validate_lines(path, schema):
    """Validates every line of a JSONL file; returns the parsed lines."""
    with open(path) as f:
        lines = [json.loads(line) for line in f]
    for i, line in enumerate(lines):
        validate(line, schema, "%s:%d" % (os.path.basename(path), i + 1))
    return lines


def _type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    raise AssertionError("unsupported type %r" % t)


def _resolve(ref, root):
    assert ref.startswith("#/$defs/"), "only local #/$defs/ references are supported: %s" % ref
    return root["$defs"][ref[len("#/$defs/"):]]


def _validate_object(v, s, path, root):
    for k in s.get("required", []):
        assert k in v, "%s: missing %s" % (path, k)
    props = s.get("properties", {})
    extra_schema = s.get("additionalProperties", True)
    for k in v:
        if "propertyNames" in s:
            validate(k, s["propertyNames"], "%s[key %r]" % (path, k), root)
        if k in props:
            validate(v[k], props[k], path + "." + k, root)
        elif extra_schema is False:
            raise AssertionError("%s: unexpected %s" % (path, k))
        elif isinstance(extra_schema, dict):
            validate(v[k], extra_schema, "%s[%r]" % (path, k), root)
    order = [k for k in props if k in v]
    listed = [k for k in v if k in props]
    assert listed == order, "%s: key order %s, schema order %s" % (path, listed, order)


def validate(v, s, path="$", root=None):
    root = s if root is None else root
    unknown = set(s) - _KNOWN
    assert not unknown, "schema keywords not supported by the checker: %s" % unknown
    if "$ref" in s:
        validate(v, _resolve(s["$ref"], root), path, root)
    if "const" in s:
        assert v == s["const"] and type(v) is type(s["const"]), \
            "%s: %r != %r" % (path, v, s["const"])
    if "enum" in s:
        assert v in s["enum"], "%s: %r not one of %r" % (path, v, s["enum"])
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        assert any(_type_ok(v, t) for t in types), "%s: %r is not %s" % (path, v, s["type"])
    if isinstance(v, dict):
        _validate_object(v, s, path, root)
    if isinstance(v, list):
        assert len(v) >= s.get("minItems", 0), "%s: fewer than minItems" % path
        assert len(v) <= s.get("maxItems", len(v)), "%s: more than maxItems" % path
        for i, item in enumerate(v):
            validate(item, s.get("items", {}), "%s[%d]" % (path, i), root)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        assert v >= s.get("minimum", v), "%s: %r < minimum" % (path, v)
        assert v <= s.get("maximum", v), "%s: %r > maximum" % (path, v)
    if isinstance(v, str):
        assert len(v) >= s.get("minLength", 0), "%s: shorter than minLength" % path
        assert len(v) <= s.get("maxLength", len(v)), "%s: longer than maxLength" % path
        if "pattern" in s:
            assert re.search(s["pattern"], v), "%s: %r !~ %s" % (path, v, s["pattern"])
