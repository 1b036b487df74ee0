#!/usr/bin/env python3
"""Validates openapi.yaml and checks that the JSON copy matches it.

Usage: spec_check.py openapi.yaml Sources/API/Resources/openapi.json

- openapi-spec-validator: a valid OpenAPI 3.1 document (all $refs resolve).
- Every schema uses only JSON Schema / OpenAPI keywords. OpenAPI allows unknown keywords in a schema, so a
  YAML slip such as `{description: a, b}` (which makes `b` a key) would otherwise pass unnoticed.
- The JSON file is exactly what Scripts/openapi-json writes for the YAML (so the two cannot drift).
"""
import json
import sys

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

SCHEMA_KEYWORDS = {
    "$ref", "$id", "$schema", "$anchor", "$defs", "$comment", "$dynamicRef", "$dynamicAnchor",
    "type", "enum", "const", "format", "title", "description", "default", "examples", "example", "deprecated",
    "readOnly", "writeOnly", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "items", "prefixItems", "contains",
    "unevaluatedItems", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "contentEncoding", "contentMediaType", "contentSchema", "discriminator", "xml", "externalDocs",
}


def schema_problems(schema, path):
    """Unknown keywords in `schema` and its subschemas."""
    if not isinstance(schema, dict):
        return [] if isinstance(schema, bool) else [f"{path}: a schema must be an object or a boolean"]
    problems = [f"{path}: unknown schema keyword {key!r}" for key in schema
                if key not in SCHEMA_KEYWORDS and not str(key).startswith("x-")]
    for key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
        for name, sub in (schema.get(key) or {}).items():
            problems += schema_problems(sub, f"{path}/{key}/{name}")
    for key in ("items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "not", "if",
                "then", "else", "contains", "propertyNames", "contentSchema"):
        if key in schema:
            problems += schema_problems(schema[key], f"{path}/{key}")
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []):
            problems += schema_problems(sub, f"{path}/{key}/{i}")
    return problems


def media_schemas(node, path):
    """(path, schema) of every `schema` under parameters, headers and media types of `node`."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                found.append((f"{path}/schema", value))
            elif key != "schemas":
                found += media_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += media_schemas(value, f"{path}/{i}")
    return found


def main(yaml_path, json_path) -> int:
    spec_dict, base_uri = read_from_filename(yaml_path)
    validate(spec_dict, base_uri=base_uri)
    print(f"  {yaml_path}: a valid OpenAPI {spec_dict['openapi']} document")

    with open(yaml_path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    problems = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        problems += schema_problems(schema, f"#/components/schemas/{name}")
    for path, schema in media_schemas(document, "#"):
        problems += schema_problems(schema, path)
    for problem in problems:
        print(f"  {problem}")

    expected = json.dumps(document, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    try:
        with open(json_path, encoding="utf-8") as f:
            actual = f.read()
    except FileNotFoundError:
        actual = None
    if actual != expected:
        print(f"  {json_path} does not match {yaml_path}: run Scripts/openapi-json")
        problems.append("json")
    else:
        print(f"  {json_path} matches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
