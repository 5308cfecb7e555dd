"""A self-contained HTML report: tables and PNG figures embedded as data URIs.

``render`` returns the page as a string; whoever calls it decides where it goes.
"""

from __future__ import annotations

import base64
import html
import io

__all__ = ["Section", "figure_png", "render", "table_html"]

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; } td, th { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 13px; }
p.note { color: #555; }
div.wide { overflow-x: auto; max-width: 100%; } div.wide table { font-size: 13px; white-space: nowrap; }
div.wide th { white-space: normal; min-width: 4em; }
.verdict { background: #f3f7fb; border-left: 4px solid #3b6ea5; padding: 0.6em 1em; margin: 1em 0; }
.verdict p { margin: 0.4em 0; } .verdict h3 { margin: 0.2em 0 0.4em; font-size: 1.05em; }
td.better { color: #1a7f37; font-weight: 600; } td.worse { color: #b42318; font-weight: 600; }
"""


def figure_png(figure) -> bytes:
    """PNG bytes of a matplotlib figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def table_html(rows: list[dict], columns: list[str] | None = None) -> str:
    """An HTML table from a list of dicts, each number in its column's format
    (``formats.number``: losses 3 significant figures, accuracies and shares as percentages,
    λ compact scientific). A wide table scrolls inside its own box instead of the page."""
    from .formats import number

    if not rows:
        return ""
    columns = columns or list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            if isinstance(value, float):
                cells.append(f'<td class="num">{html.escape(number(c, value))}</td>')
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class=\"wide\"><table><tr>{head}</tr>{''.join(body)}</table></div>"


class Section:
    """A titled part of the report: free HTML, then images (PNG bytes with captions)."""

    def __init__(self, title: str, html_text: str = "", images: list[tuple[str, bytes]] | None = None):
        self.title = title
        self.html = html_text
        self.images = images or []

    def render(self) -> str:
        parts = [f"<h2>{html.escape(self.title)}</h2>", self.html]
        for caption, png in self.images:
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        return "\n".join(parts)


def render(title: str, sections: list[Section], intro: str = "") -> str:
    """The whole page as one string, with no external resources."""
    body = "\n".join(section.render() for section in sections)
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body><h1>{html.escape(title)}</h1>{intro}\n{body}\n</body></html>\n")
