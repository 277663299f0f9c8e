"""ZenML's ``zenml.types``: strings that say what they hold (stored as text)."""


class HTMLString(str):
    """HTML text."""


class MarkdownString(str):
    """Markdown text."""


class CSVString(str):
    """CSV text."""


class JSONString(str):
    """JSON text."""
