"""A small JSON Schema checker for the keywords docs/schemas/payload-v1.schema.json uses (Debian
has no python3-jsonschema in our dependency set). Unknown keywords fail loudly, so the schema
cannot grow a rule this checker silently ignores. Also checks that object keys appear in the
order the schema lists them (the line format is deterministic)."""
import json
import os
import re

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "schemas",
                      "payload-v1.schema.json")
_IGNORED = {"$schema", "$id", "title", "description"}
_KNOWN = _IGNORED | {"type", "const", "required", "properties", "additionalProperties", "items",
                     "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength",
                     "pattern"}


def load():
    with open(SCHEMA) as f:
        return json.load(f)


def _type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    raise AssertionError("unsupported type %r" % t)


def validate(v, s, path="$"):
    unknown = set(s) - _KNOWN
    assert not unknown, "schema keywords not supported by the checker: %s" % unknown
    if "const" in s:
        assert v == s["const"], "%s: %r != %r" % (path, v, s["const"])
    if "type" in s:
        assert _type_ok(v, s["type"]), "%s: %r is not %s" % (path, v, s["type"])
    if isinstance(v, dict):
        for k in s.get("required", []):
            assert k in v, "%s: missing %s" % (path, k)
        props = s.get("properties", {})
        if s.get("additionalProperties") is False:
            extra = set(v) - set(props)
            assert not extra, "%s: unexpected %s" % (path, extra)
        order = [k for k in props if k in v]
        assert list(v) == order, "%s: key order %s, schema order %s" % (path, list(v), order)
        for k, sub in props.items():
            if k in v:
                validate(v[k], sub, path + "." + k)
    if isinstance(v, list):
        assert len(v) >= s.get("minItems", 0), path
        assert len(v) <= s.get("maxItems", len(v)), path
        for i, item in enumerate(v):
            validate(item, s.get("items", {}), "%s[%d]" % (path, i))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        assert v >= s.get("minimum", v), "%s: %r < minimum" % (path, v)
        assert v <= s.get("maximum", v), "%s: %r > maximum" % (path, v)
    if isinstance(v, str):
        assert len(v) >= s.get("minLength", 0), path
        assert len(v) <= s.get("maxLength", len(v)), path
        if "pattern" in s:
            assert re.search(s["pattern"], v), "%s: %r !~ %s" % (path, v, s["pattern"])
