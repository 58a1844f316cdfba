"""Compile a marshmallow schema into a plain-Python checker with the same output and the same errors.

marshmallow stays the one definition of the rules (and of the OpenAPI document); this module walks a schema once
and builds nested closures that do what `Schema.load` would do, without its per-call machinery (field lookups,
`ErrorStore` merging, a `ValidationError` per nested level, kwargs plumbing). Leaf rules are not re-written: the
closures call each field's own `_deserialize` and validators, so a rule lives in exactly one place.

Supported, because the declaration uses them: `Schema` with `unknown=RAISE`; `Nested` (single), `List` of any
supported field; plain fields with `required`, `allow_none`, `load_default` and validators. Anything else (data
keys, `attribute`, pre/post-load hooks, `many`) is refused at compile time, so a schema change the checker does not
understand fails loudly instead of drifting. `tests/law/test_law_declaration_checker.py` holds the two paths equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from marshmallow.utils import is_collection

# A check takes the raw value, its parent's `/` path and the errors so far; it appends (path, message key) pairs
# and returns the loaded value (meaningless when it appended errors). A field's own path is built only when needed
# (an error, or descending into it), because string building would otherwise be most of the work.
Check = Callable[[Any, str, list[tuple[str, str]]], Any]
_MISSING = ma.missing


def _join(path: str, key: object) -> str:
    return f"{path}/{key}" if path else str(key)


def _messages(error: ma.ValidationError) -> list[str]:
    messages = error.messages
    if isinstance(messages, list | tuple):
        return [str(m) for m in messages]
    return [str(messages)]


def _refuse_unsupported(owner: str, field: ma.fields.Field[Any]) -> None:
    if field.data_key is not None or field.attribute is not None or field.pre_load or field.post_load:
        raise TypeError(f"{owner}: data_key/attribute/pre_load/post_load are not supported by the checker")


def compile_schema(schema: ma.Schema) -> Check:
    """Return a check equivalent to `schema.load` (for a RAISE-unknown schema without hooks or `many`).

    The check is called with the object's own path ("" for the document root). Its body is generated source, one
    block per field, so a leaf costs a dict lookup, its type test and at most one call to the field's `_deserialize`.
    """
    name = type(schema).__name__
    hooks = schema._hooks
    if schema.many or schema.unknown != ma.RAISE or any(hooks.get(kind) for kind in (
            "pre_load", "post_load", "validates_schema", "validates")):
        raise TypeError(f"{name}: only RAISE-unknown schemas without hooks or many are supported by the checker")
    namespace: dict[str, Any] = {"Mapping": Mapping, "MISSING": _MISSING, "ValidationError": ma.ValidationError,
                                 "join": _join, "messages_of": _messages,
                                 "KNOWN": frozenset(schema.load_fields), "TYPE": str(schema.error_messages["type"]),
                                 "UNKNOWN": str(schema.error_messages["unknown"])}
    lines = [
        "def check_object(value, path, errors):",
        "    if type(value) is not dict and not isinstance(value, Mapping):",
        "        errors.append((path, TYPE))",
        "        return None",
        "    get = value.get",
    ]
    results = []
    for number, (attr, field) in enumerate(schema.load_fields.items()):
        _refuse_unsupported(f"{name}.{attr}", field)
        lines += _field_source(number, attr, field, f"{name}.{attr}", namespace)
        results.append(f"{attr!r}: r{number}")
    lines += [
        "    if not KNOWN.issuperset(value):",
        "        errors.extend((join(path, key), UNKNOWN) for key in value if key not in KNOWN)",
        "    return {" + ", ".join(results) + "}",
    ]
    exec(compile("\n".join(lines), f"<checker {name}>", "exec"), namespace)  # noqa: S102  (our own source)
    return namespace["check_object"]


def _field_source(number: int, attr: str, field: ma.fields.Field[Any], owner: str,
                  namespace: dict[str, Any]) -> list[str]:
    """Source lines that leave field `attr`'s loaded value in `r<number>` (appending its errors)."""
    r, key = f"r{number}", repr(attr)
    namespace[f"NULL{number}"] = str(field.error_messages["null"])
    namespace[f"REQUIRED{number}"] = str(field.error_messages["required"])
    default = field.load_default
    namespace[f"DEFAULT{number}"] = default
    lines = [f"    v = get({key}, MISSING)", "    if v is None:"]
    lines += [f"        {r} = None"] if field.allow_none else [
        f"        errors.append((join(path, {key}), NULL{number}))", f"        {r} = None"]
    lines.append("    elif v is MISSING:")
    if field.required:
        lines += [f"        errors.append((join(path, {key}), REQUIRED{number}))", f"        {r} = None"]
    else:
        lines.append(f"        {r} = DEFAULT{number}()" if callable(default) else f"        {r} = DEFAULT{number}")
    body = _compile_body(field, owner)
    if getattr(body, "is_leaf", False) and not field.validators:
        accept = getattr(type(field), "fast_accept", None)
        if accept:
            namespace.update(_fast_names(field))
            lines += [f"    elif {accept.replace('VALUE', 'v')}:", f"        {r} = v"]
        namespace[f"DESERIALIZE{number}"] = field._deserialize
        lines += [
            "    else:",
            "        try:",
            f"            {r} = DESERIALIZE{number}(v, None, None)",
            "        except ValidationError as exc:",
            f"            errors.extend((join(path, {key}), message) for message in messages_of(exc))",
            f"            {r} = None",
        ]
    else:
        namespace[f"BODY{number}"] = body
        lines += ["    else:", f"        {r} = BODY{number}(v, join(path, {key}), errors)"]
    return lines


def _fast_names(field: ma.fields.Field[Any]) -> dict[str, Any]:
    """The names a field type's `fast_accept` expression uses besides VALUE (`fast_accept_names()`, if it has one)."""
    names = getattr(type(field), "fast_accept_names", None)
    return dict(names()) if names is not None else {}


def compile_field(field: ma.fields.Field[Any], owner: str = "field") -> Check:
    """Return a check for a value with no name of its own (a list item), called with the value's own path.

    Missing/null handling as `Field.deserialize`, then the field's own rules, then its validators.
    """
    allow_none = field.allow_none
    null_error = str(field.error_messages["null"])
    body = _compile_body(field, owner)

    def check_item(value: Any, path: str, errors: list[tuple[str, str]]) -> Any:
        if value is None:  # an item is never missing
            if allow_none:
                return None
            errors.append((path, null_error))
            return None
        return body(value, path, errors)

    return check_item


def _compile_body(field: ma.fields.Field[Any], owner: str) -> Check:
    if isinstance(field, ma.fields.Nested):
        if field.many or field.only or field.exclude or field.unknown not in (None, ma.RAISE):
            raise TypeError(f"{owner}: Nested with many/only/exclude/unknown is not supported by the checker")
        nested = field.schema
        if field.validators:
            raise TypeError(f"{owner}: validators on Nested are not supported by the checker")
        return compile_schema(nested)
    if isinstance(field, ma.fields.List):
        return _with_validators(field, _compile_list(field, owner))
    if type(field)._deserialize is ma.fields.Field._deserialize:
        raise TypeError(f"{owner}: a field without its own _deserialize is not supported by the checker")
    return _with_validators(field, _compile_leaf(field))


def _compile_list(field: ma.fields.List[Any], owner: str) -> Check:
    inner = field.inner
    _refuse_unsupported(f"{owner}[]", inner)
    check_item = compile_field(inner, f"{owner}[]")
    invalid_error = str(field.error_messages["invalid"])
    accept = getattr(type(inner), "fast_accept", None)
    if accept and not inner.validators:
        # Items of a plain leaf type (a list of strings): the common item is taken as it is, in one expression, and
        # only the others go through the item's full check (null, its own `_deserialize`, its errors).
        namespace = {"is_collection": is_collection, "INVALID": invalid_error, "CHECK_ITEM": check_item,
                     **_fast_names(inner)}
        source = "\n".join([
            "def check_list(value, path, errors):",
            "    if type(value) is not list and not is_collection(value):",
            "        errors.append((path, INVALID))",
            "        return None",
            f"    return [v if {accept.replace('VALUE', 'v')} else CHECK_ITEM(v, f'{{path}}/{{index}}', errors)",
            "            for index, v in enumerate(value)]",
        ])
        exec(compile(source, f"<checker {owner}[]>", "exec"), namespace)  # noqa: S102  (our own source)
        return namespace["check_list"]

    def check_list(value: Any, path: str, errors: list[tuple[str, str]]) -> Any:
        if type(value) is not list and not is_collection(value):
            errors.append((path, invalid_error))
            return None
        return [check_item(item, f"{path}/{index}", errors) for index, item in enumerate(value)]

    return check_list


def _compile_leaf(field: ma.fields.Field[Any]) -> Check:
    deserialize = field._deserialize

    def check_leaf(value: Any, path: str, errors: list[tuple[str, str]]) -> Any:
        try:
            return deserialize(value, None, None)
        except ma.ValidationError as exc:
            errors.extend((path, message) for message in _messages(exc))
            return None

    check_leaf.is_leaf = True  # type: ignore[attr-defined]
    return check_leaf


def _with_validators(field: ma.fields.Field[Any], body: Check) -> Check:
    validators = tuple(field.validators)
    if not validators:
        return body
    failed_error = str(field.error_messages["validator_failed"])

    def check_validated(value: Any, path: str, errors: list[tuple[str, str]]) -> Any:
        before = len(errors)
        out = body(value, path, errors)
        if len(errors) != before:  # marshmallow runs validators only on a value that deserialised
            return out
        for validator in validators:
            try:
                if validator(out) is False:
                    errors.append((path, failed_error))
            except ma.ValidationError as exc:
                errors.extend((path, message) for message in _messages(exc))
        return out

    return check_validated
