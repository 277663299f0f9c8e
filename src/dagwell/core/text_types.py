"""ZenML's ``zenml.types``: strings that say what they hold.

In the core so that the artifact store can keep them as text (as ZenML's built-in
materializer does) and give them back as the same kind of string."""


class HTMLString(str):
    """HTML text."""


class MarkdownString(str):
    """Markdown text."""


class CSVString(str):
    """CSV text."""


class JSONString(str):
    """JSON text."""


#: Each of them by its type name, as an artifact records it.
TEXT_TYPES: dict[str, type[str]] = {
    f"{__name__}.{kind.__qualname__}": kind
    for kind in (HTMLString, MarkdownString, CSVString, JSONString)
}
