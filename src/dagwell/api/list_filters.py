"""ZenML's list filters, sorting and paging, applied to what a dagwell Client lists.

ZenML's ``Client().list_*`` methods take filters (``name="contains:exp"``,
``number="gte:2"``, ``stage=ModelStages.PRODUCTION``), ``sort_by`` (``"desc:created"``),
``logical_operator``, ``page`` and ``size``, and a ZenML user's code relies on them:
``list_artifact_versions(name=..., sort_by="desc:created", size=1)[0]`` is the newest
version. :func:`parse` checks what a list method was given and turns it into a
:class:`ListQuery`; the method pushes what a store query can do (plain equalities, the
sort by creation, the page) down to the store and hands the rest to
:meth:`ListQuery.apply`, which filters in memory with ZenML's semantics
(``zenml/models/v2/base/filter.py``): a comparison with a missing value never matches
(SQL's NULL), only ``isnull:`` does. A ZenML filter dagwell has no data for is refused by
name rather than ignored.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

#: ZenML's GenericFilterOps (zenml/enums.py).
OPERATORS = ("equals", "notequals", "contains", "startswith", "endswith", "oneof", "notoneof",
             "notcontains", "isnull", "isnotnull", "gte", "gt", "lte", "lt", "in")  # fmt: skip
#: ZenML's PAGE_SIZE_DEFAULT: a list gives its first 20 items unless told ``size=``.
PAGE_SIZE_DEFAULT = 20
_COMPARE = {"gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}
#: Filters of ZenML's that mean nothing in a dagwell home (one user, one project).
NO_OPS = frozenset({"project", "user", "hydrate", "include_full_metadata"})
#: Filters whose ZenML default is False, which asks for nothing (``only_unused=False``: used
#: or not): given it, as code that passes ZenML's defaults on does, they are no filter.
OFF_WHEN_FALSE = frozenset({"only_unused"})


class LogicalOperators(StrEnum):
    """ZenML's: how a list combines its filters (``logical_operator=``)."""

    OR = "or"
    AND = "and"


class Page(list[Any]):
    """ZenML's Page: a list that also answers ``.items``, ``.total`` (all that matched),
    ``.index`` (this page's number), ``.max_size`` and ``.total_pages``."""

    def __init__(
        self,
        items: Iterable[Any] = (),
        *,
        total: int | None = None,
        index: int = 1,
        max_size: int | None = None,
    ) -> None:
        super().__init__(items)
        self.total = len(self) if total is None else total
        self._page = index
        self.max_size = max_size if max_size is not None else max(len(self), 1)

    @property
    def items(self) -> list[Any]:
        return list(self)

    @property  # (ZenML's page number; a Page is a list, whose index() this hides)
    def index(self) -> int:  # type: ignore[override]
        return self._page

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total // self.max_size))

    @property
    def size(self) -> int:
        return len(self)


def _plain(value: Any) -> Any:
    value = getattr(value, "value", value)  # enums: their value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: write it as ZenML does, e.g. '2024-01-31 12:00:00'."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number, and this filter compares numbers.") from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "on"):
        return True
    if text in ("false", "0", "no", "n", "off"):
        return False
    raise ValueError(f"{value!r} is not a boolean: give True or False.")


def _options(text: str) -> list[Any]:
    """A ``oneof:``/``notoneof:`` value: ZenML's JSON list (``["a","b"]``), or ``[a,b]``."""
    try:
        options = json.loads(text)
    except ValueError:
        options = [o.strip().strip("'\"") for o in text.strip().strip("[]").split(",")]
    if not isinstance(options, list):
        raise ValueError(
            f'oneof:/notoneof: take a JSON list, e.g. \'oneof:["a","b"]\', not {text!r}.'
        )
    return options


def parse_value(wanted: Any) -> tuple[str, Any]:
    """ZenML's ``_resolve_operator``: ``"op:value"`` with a known op, else an equality."""
    if not isinstance(wanted, str):
        return "equals", wanted
    op, sep, rest = wanted.partition(":")
    if not sep or op not in OPERATORS:
        return "equals", wanted
    if op in ("isnull", "isnotnull"):
        if rest:
            raise ValueError(f"{wanted!r}: {op}: takes no value; write {op + ':'!r} alone.")
        return op, None
    if op in ("oneof", "notoneof"):
        return op, _options(rest)
    return op, rest


def _equal(actual: Any, target: Any) -> bool:
    target = _plain(target)
    if isinstance(actual, bool):
        return actual == _bool(target)
    if isinstance(actual, int | float):
        return actual == _number(target)
    if isinstance(actual, datetime):
        return actual == _time(target)
    return str(actual) == str(target)


def _order(actual: Any, target: Any) -> tuple[Any, Any] | None:
    """The two sides of gt/gte/lt/lte: times as times, else numbers (ZenML casts strings to
    numbers); None when ``actual`` is no number, which then matches nothing."""
    target = _plain(target)
    if isinstance(actual, datetime):
        return actual, _time(target)
    wanted = _number(target)
    try:
        return float(actual), wanted
    except (TypeError, ValueError):
        return None


def test(actual: Any, op: str, target: Any) -> bool:
    """Whether a field's value ``actual`` passes ``op`` with ``target`` (as parsed)."""
    actual = _plain(actual)
    if isinstance(actual, list | tuple | set | frozenset):  # tags: some tag matches
        if op in ("isnull", "isnotnull"):
            return bool(actual) == (op == "isnotnull")
        return any(test(item, op, target) for item in actual)
    if op in ("isnull", "isnotnull"):
        return (actual is None) == (op == "isnull")
    if actual is None:  # as in SQL, where NULL compares to nothing
        return False
    if op in ("oneof", "notoneof"):
        return any(_equal(actual, o) for o in target) == (op == "oneof")
    if op == "in":
        if isinstance(actual, datetime):  # ZenML's "in:<from>,<to>" time range
            lower, sep, upper = str(target).partition(",")
            if not sep:
                raise ValueError(f"in:{target} takes two times, 'in:<from>,<to>'.")
            return _time(lower) <= actual <= _time(upper)
        return any(_equal(actual, o) for o in _options(str(target)))
    if op in ("equals", "notequals"):
        return _equal(actual, target) == (op == "equals")
    if op in ("gte", "gt", "lte", "lt"):
        sides = _order(actual, target)
        if sides is None:
            return False
        return bool(_COMPARE[op](*sides))
    text, part = str(actual), str(_plain(target))
    if op == "contains":
        return part in text
    if op == "notcontains":
        return part not in text
    if op == "startswith":
        return text.startswith(part)
    return text.endswith(part)


def matches(actual: Any, wanted: Any) -> bool:
    """Whether ``actual`` passes ZenML filter ``wanted`` (a value, or ``"op:value"``)."""
    op, target = parse_value(wanted)
    return test(actual, op, target)


@dataclass(frozen=True)
class Condition:
    """One filter: ``field`` passes ``op`` with ``value``."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class ListQuery:
    """A list call's filters, sort and page, checked."""

    what: str
    conditions: tuple[Condition, ...]
    any_of: bool  # logical_operator="or": an item passes one condition, not all
    sort_key: str
    descending: bool
    page: int
    size: int

    @property
    def fields(self) -> set[str]:
        """The fields its filters and its sort read."""
        return {c.field for c in self.conditions} | {self.sort_key}

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def split(self, columns: Mapping[str, str]) -> tuple[dict[str, str], bool]:
        """What a store query can do: ``{column: value}`` of the plain equalities on fields
        that are ``columns`` (field -> column), and whether they are all the filters (else
        :meth:`apply` must still filter what the store gives). Nothing under ``or``."""
        if self.any_of and len(self.conditions) > 1:
            return {}, False
        where: dict[str, str] = {}
        complete = True
        for c in self.conditions:
            value = _plain(c.value)
            column = columns.get(c.field)
            plain = isinstance(value, str | int) and not isinstance(value, bool)
            if c.op != "equals" or column is None or not plain:
                complete = False
            elif where.setdefault(column, str(value)) != str(value):
                complete = False  # (two values for one column: none matches; apply says so)
        return where, complete

    def passes(self, item: Any, fields: Mapping[str, Callable[[Any], Any]]) -> bool:
        if not self.conditions:
            return True
        results = (self._test(c, fields[c.field](item)) for c in self.conditions)
        return any(results) if self.any_of else all(results)

    def _test(self, condition: Condition, actual: Any) -> bool:
        try:
            return test(actual, condition.op, condition.value)
        except ValueError as error:
            raise ValueError(f"{self.what}({condition.field}=...): {error}") from None

    def apply(self, items: Iterable[Any], fields: Mapping[str, Callable[[Any], Any]]) -> Page:
        """The page of ``items`` that pass, sorted (stable: ties keep their order)."""
        chosen = [item for item in items if self.passes(item, fields)]
        key = fields[self.sort_key]
        chosen.sort(key=lambda item: _sort_key(key(item)), reverse=self.descending)
        start = self.offset
        return Page(
            chosen[start : start + self.size], total=len(chosen), index=self.page,
            max_size=self.size,
        )  # fmt: skip


def parse(
    what: str,
    fields: Mapping[str, Callable[[Any], Any]],
    filters: Mapping[str, Any],
    *,
    sort_by: str,
    page: int,
    size: int,
    unsupported: Mapping[str, str] | None = None,
) -> ListQuery:
    """Check a list call and make its query. ``fields`` maps a ZenML filter or sort name to
    how to read it from an item; a filter given a value that is neither there, nor a no-op
    here, raises ``TypeError`` (ZenML's methods have fixed signatures) or, for
    ``unsupported`` ones, says why. A list value is one filter per item, as in ZenML."""
    combine = str(_plain(filters.get("logical_operator") or "and")).lower()
    if combine not in ("and", "or"):
        raise ValueError(f"{what}(logical_operator={combine!r}): it is 'and' or 'or'.")
    conditions = []
    for name, wanted in filters.items():
        if wanted is None or name in NO_OPS or name == "logical_operator":
            continue
        if wanted is False and name in OFF_WHEN_FALSE:
            continue
        if name not in fields:
            if unsupported and name in unsupported:
                raise ValueError(
                    f"{what}({name}=...) is not supported by dagwell: {unsupported[name]}."
                )
            raise TypeError(
                f"{what}() got an unexpected keyword argument {name!r}; it filters by "
                f"{', '.join(sorted(fields))}."
            )
        for one in wanted if isinstance(wanted, list) else [wanted]:
            try:
                op, value = parse_value(one)
            except ValueError as error:
                raise ValueError(f"{what}({name}={one!r}): {error}") from None
            conditions.append(Condition(name, op, value))
    order, sep, key = str(sort_by).partition(":")
    if not sep:
        order, key = "asc", order
    if key not in fields:
        hint = ""
        if not sep and "name" in fields:  # list_artifact_versions("x"): a name taken as sort_by
            hint = (
                f" The first positional argument is sort_by, as in ZenML; to list by name, "
                f"use {what}(name={sort_by!r})."
            )
        raise ValueError(
            f"{what}(sort_by={sort_by!r}): it sorts by {', '.join(sorted(fields))}, e.g. "
            f"sort_by='desc:created'.{hint}"
        )
    if page < 1 or size < 1:
        raise ValueError(f"{what}(page={page}, size={size}): both must be at least 1.")
    return ListQuery(what, tuple(conditions), combine == "or", key, order == "desc", page, size)


def select(
    items: Iterable[Any],
    what: str,
    fields: Mapping[str, Callable[[Any], Any]],
    filters: Mapping[str, Any],
    *,
    sort_by: str,
    page: int = 1,
    size: int = PAGE_SIZE_DEFAULT,
    unsupported: Mapping[str, str] | None = None,
) -> Page:
    """The page of ``items`` that pass the given filters, sorted by ``sort_by``."""
    query = parse(
        what, fields, filters, sort_by=sort_by, page=page, size=size, unsupported=unsupported
    )
    return query.apply(items, fields)


def _sort_key(value: Any) -> tuple[int, Any]:
    value = _plain(value)
    if value is None:
        return (0, 0)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    if isinstance(value, list | tuple | set | frozenset):
        return (2, ",".join(sorted(str(v) for v in value)))
    return (2, str(value))
