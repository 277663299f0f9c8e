"""ZenML's list filters, sorting and paging, applied to what a dagwell Client lists.

ZenML's ``Client().list_*`` methods take filters (``name="contains:exp"``,
``number="gte:2"``, ``stage=ModelStages.PRODUCTION``), ``sort_by`` (``"desc:created"``),
``page`` and ``size``, and a ZenML user's code relies on them: ``list_artifact_versions(
name=..., sort_by="desc:created", size=1)[0]`` is the newest version. dagwell's lists are
small enough to filter in memory, so each list method hands its items and the filters it
was given to :func:`select`; a ZenML filter dagwell has no data for is refused by name
rather than ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

OPERATORS = ("equals", "notequals", "contains", "startswith", "endswith", "gte", "gt", "lte",
             "lt", "in", "oneof")  # fmt: skip
#: Filters of ZenML's that mean nothing in a dagwell home (one user, one project).
NO_OPS = frozenset({"project", "user", "hydrate", "logical_operator", "include_full_metadata"})


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


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def matches(actual: Any, wanted: Any) -> bool:
    """Whether ``actual`` passes ZenML filter ``wanted`` (a value, or ``"op:value"``)."""
    actual = _plain(actual)
    if isinstance(wanted, str) and ":" in wanted and wanted.split(":", 1)[0] in OPERATORS:
        op, text = wanted.split(":", 1)
    else:
        op, text = "equals", wanted
    if op in ("in", "oneof"):
        options = text if isinstance(text, list) else str(text).strip("[]").split(",")
        return str(actual) in {str(_plain(o)).strip().strip("'\"") for o in options}
    if isinstance(actual, datetime) and isinstance(text, str):
        target: Any = _parse_time(text)
    elif isinstance(actual, bool) or not isinstance(actual, int | float):
        actual, target = str(actual), str(_plain(text))
    else:
        target = float(text) if not isinstance(text, int | float) else text
    if actual is None:
        return False
    comparisons: dict[str, Callable[[], bool]] = {
        "equals": lambda: actual == target,
        "notequals": lambda: actual != target,
        "contains": lambda: str(target) in str(actual),
        "startswith": lambda: str(actual).startswith(str(target)),
        "endswith": lambda: str(actual).endswith(str(target)),
        "gte": lambda: actual >= target,
        "gt": lambda: actual > target,
        "lte": lambda: actual <= target,
        "lt": lambda: actual < target,
    }
    return comparisons[op]()


def select(
    items: Iterable[Any],
    what: str,
    fields: dict[str, Callable[[Any], Any]],
    filters: dict[str, Any],
    *,
    sort_by: str,
    page: int = 1,
    size: int = 50,
    unsupported: dict[str, str] | None = None,
) -> Page:
    """The page of ``items`` that pass every given filter, sorted by ``sort_by``.

    ``fields`` maps a ZenML filter or sort name to how to read it from an item; a filter
    given a value that is neither there, nor a no-op here, raises ``TypeError`` (ZenML's
    methods have fixed signatures) or, for ``unsupported`` ones, says why."""
    for name, wanted in filters.items():
        if wanted is None or name in NO_OPS or name in fields:
            continue
        if unsupported and name in unsupported:
            raise ValueError(
                f"{what}({name}=...) is not supported by dagwell: {unsupported[name]}."
            )
        raise TypeError(
            f"{what}() got an unexpected keyword argument {name!r}; it filters by "
            f"{', '.join(sorted(fields))}."
        )
    chosen = [
        item
        for item in items
        if all(
            matches(fields[name](item), wanted)
            for name, wanted in filters.items()
            if wanted is not None and name in fields
        )
    ]
    order, _, key = sort_by.rpartition(":")
    if key not in fields:
        raise ValueError(
            f"{what}(sort_by={sort_by!r}): it sorts by {', '.join(sorted(fields))}, e.g. "
            "sort_by='desc:created'."
        )
    chosen.sort(key=lambda item: _sort_key(fields[key](item)), reverse=order == "desc")
    if page < 1 or size < 1:
        raise ValueError(f"{what}(page={page}, size={size}): both must be at least 1.")
    start = (page - 1) * size
    return Page(chosen[start : start + size], total=len(chosen), index=page, max_size=size)


def _sort_key(value: Any) -> tuple[int, Any]:
    value = _plain(value)
    if value is None:
        return (0, 0)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value))
