"""The web chat: answers rendered as quote cards (every corpus and user string escaped) and the Gradio app.

Rendering and the handlers are plain functions and methods, testable without a browser; `build_app` wires them
into Gradio Blocks. One Assistant serves every session; each browser session has its own Conversation, and
programs calling the `/ask` endpoint name a session to keep theirs.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections import OrderedDict
from typing import Any

from .answer import GENRE_NAMES, group_quotes, unmatched_line
from .assistant import Assistant
from .chat import Conversation
from .errors import QAError
from .highlight import segments
from .models import OPINION_FAMILY, Answer, Filters, Quote, Source

GENRE_CHOICES = ("All genres", "News only", "Opinion only", "Analysis only")
_CHOICE_GENRES = {"News only": ("news",), "Opinion only": ("opinion",), "Analysis only": ("analysis",)}
ANY_OUTLET = "Any outlet"
NOT_IN_ARTICLES = "Not in these articles: the articles in this corpus don't answer that."
# Characters that Markdown or HTML would read as markup; written as entities they are inert text.
_INERT = {ch: f"&#{ord(ch)};" for ch in "&<>\"'[]()*_`#~|\\$!{}=:"}

CSS = """
.qa-card {border: 1px solid #d0d4dc; border-radius: 8px; padding: 10px 12px; margin: 8px 0; background: #fff;}
.qa-quote {font-size: 1.02em; line-height: 1.45; margin: 6px 0;}
.qa-quote mark {background: #fff1a8; padding: 0 1px;}
.qa-meta {font-size: 0.86em; color: #4a5060;}
.qa-badge {display: inline-block; font-weight: 700; font-size: 0.8em; letter-spacing: 0.03em;
           text-transform: uppercase; border-radius: 4px; padding: 2px 8px; margin-right: 6px; color: #fff;}
.qa-badge-opinion {background: #c2410c;}
.qa-badge-news {background: #1d4ed8;}
.qa-badge-analysis {background: #7e22ce;}
.qa-badge-other {background: #52525b;}
.qa-heading {font-weight: 700; margin-top: 10px;}
.qa-understood {font-size: 0.8em; color: #6b7280; font-style: italic;}
.qa-speaker {font-size: 0.86em; color: #111827;}
.qa-error {color: #991b1b; font-weight: 600;}
"""


def inert(text: str) -> str:
    """`text` as HTML that shows exactly these characters: no tag, link, emphasis or formula can come of it."""
    return "".join(_INERT.get(ch, ch) for ch in text).replace("\n", "<br>")


def badge_class(genre: str) -> str:
    """The colour family of a genre: opinion family, news, analysis, or other."""
    if genre in OPINION_FAMILY:
        return "qa-badge-opinion"
    if genre in ("news", "interview"):
        return "qa-badge-news"
    return "qa-badge-analysis" if genre in ("analysis", "review") else "qa-badge-other"


def _badge(genre: str, evidence: tuple[str, ...]) -> str:
    why = "; ".join(evidence) or "no cue found; default label"
    return (
        f'<span class="qa-badge {badge_class(genre)}" title="{inert("Why this label: " + why)}">'
        f"{inert(GENRE_NAMES[genre])}</span>"
    )


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _title_link(title: str, url: str | None) -> str:
    safe = _safe_url(url)
    shown = f"<strong>{inert(title)}</strong>"
    return (
        f'<a href="{html.escape(safe, quote=True)}" target="_blank" rel="noopener noreferrer">{shown}</a>'
        if safe
        else shown
    )


def _meta(author: str | None, outlet: str | None, published: dt.date | None) -> str:
    parts = [x for x in (author, outlet, published.isoformat() if published else None) if x]
    return inert(" · ".join(parts)) if parts else "source not named"


def render_quote(quote: Quote, question: str) -> str:
    """One quote card: highlighted sentence, badge with evidence, linked title, author, outlet, date, speaker."""
    text = "".join(f"<mark>{inert(p)}</mark>" if on else inert(p) for p, on in segments(quote.text, question))
    cited = quote.speaker is not None and quote.label.endswith(f"according to {quote.speaker}")
    speaker = (
        f'<div class="qa-speaker">{"According to" if cited else "Words of"} {inert(quote.speaker)}</div>'
        if quote.speaker
        else ""
    )
    evidence = "; ".join(quote.genre_evidence) or "no cue found; default label"
    return (
        '<div class="qa-card">'
        f'<div>{_badge(quote.genre, quote.genre_evidence)}<span class="qa-meta">{inert(quote.label)}</span></div>'
        f'<div class="qa-quote">“{text}”</div>{speaker}'
        f'<div class="qa-meta">{_title_link(quote.title, quote.url)} — '
        f"{_meta(quote.author, quote.outlet, quote.published)}</div>"
        f'<details class="qa-meta"><summary>Why labelled {inert(GENRE_NAMES[quote.genre])}</summary>'
        f"{inert(evidence)}</details>"
        "</div>"
    )


def render_source(source: Source) -> str:
    """A card for an article a question about sources was answered from."""
    return (
        '<div class="qa-card">'
        f"<div>{_badge(source.genre, source.genre_evidence)}"
        f'<span class="qa-meta">{inert(source.label)}</span></div>'
        f'<div class="qa-meta">{_title_link(source.title, source.url)} — '
        f"{_meta(source.author, source.outlet, source.published)}</div>"
        "</div>"
    )


def render_answer(answer: Answer) -> str:
    """The whole answer as HTML: how the question was understood, the summary, quotes grouped by kind."""
    parts = []
    if answer.standalone and answer.standalone != answer.question:
        parts.append(f'<div class="qa-understood">Understood as: {inert(answer.standalone)}</div>')
    if answer.abstained and not answer.sources:
        parts.append(f"<div><strong>{inert(NOT_IN_ARTICLES)}</strong></div>")
        if answer.summary not in (NOT_IN_ARTICLES,) and not answer.summary.startswith("The articles in this corpus"):
            parts.append(f"<div>{inert(answer.summary)}</div>")
        if line := unmatched_line(answer):
            parts.append(f"<div>{inert(line)}</div>")
        if answer.nearby:
            cards = "".join(render_quote(q, answer.standalone or answer.question) for q in answer.nearby)
            parts.append(f"<details><summary>Nearest passages (not an answer)</summary>{cards}</details>")
        return "".join(parts)
    parts.append(f"<div>{inert(answer.summary)}</div>")
    parts += [render_source(s) for s in answer.sources]
    groups = group_quotes(answer.quotes)
    for heading, quotes in groups:
        if len(groups) > 1:
            parts.append(f'<div class="qa-heading">{inert(heading)}</div>')
        parts += [render_quote(q, answer.standalone or answer.question) for q in quotes]
    return "".join(parts)


def render_error(message: str) -> str:
    """A readable error inside the chat."""
    return f'<div class="qa-error">{inert(message)}</div>'


def parse_day(value: str | None, field: str) -> dt.date | None:
    """A date control's value (None when empty); a bad date is a QAError that names the field."""
    if not value or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise QAError(f"{field}: {value.strip()!r} is not a date; write it as YYYY-MM-DD") from exc


def parse_filters(genre_choice: str | None, outlet: str | None, since: str | None, until: str | None) -> Filters:
    """The filter controls as Filters; a bad date is a QAError that names the field."""
    return Filters(
        genres=_CHOICE_GENRES.get(genre_choice or "", ()),
        outlet=outlet if outlet and outlet != ANY_OUTLET else None,
        since=parse_day(since, "From"),
        until=parse_day(until, "Until"),
    )


class Sessions:
    """Conversations of API callers by session name, the least recently used dropped past `capacity`."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Conversation:
        """The conversation of session `name`, new if unknown."""
        with self._lock:
            conv = self._items.pop(name, None) or Conversation()
            self._items[name] = conv
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return conv


class ChatApp:
    """The handlers of the web chat around one shared Assistant (None when no index could be opened)."""

    def __init__(self, assistant: Assistant | None, problem: str | None = None) -> None:
        self.assistant = assistant
        self.problem = problem
        self.sessions = Sessions()

    def outlets(self) -> list[str]:
        """Outlet choices for the filter."""
        if self.assistant is None:
            return [ANY_OUTLET]
        names = {outlet for _, _, outlet, _, _ in self.assistant.index.article_meta() if outlet}
        return [ANY_OUTLET, *sorted(names)]

    def respond(
        self,
        message: str,
        history: list[dict[str, str]] | None,
        conversation: Conversation | None,
        genre_choice: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> tuple[list[dict[str, str]], Conversation, str]:
        """One chat turn: the history with the question and the rendered answer, the session's conversation."""
        history = list(history or [])
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        if not (message or "").strip():
            return history, conversation, ""
        history.append({"role": "user", "content": inert(message[:2000])})
        if self.assistant is None:
            history.append({"role": "assistant", "content": render_error(self.problem or "No index is loaded.")})
            return history, conversation, ""
        try:
            filters = parse_filters(genre_choice, outlet, since, until)
            day = parse_day(as_of, "As of")
            answer = self.assistant.ask(message, filters=filters, conversation=conversation, as_of=day)
            content = render_answer(answer)
        except QAError as exc:
            content = render_error(str(exc))
        history.append({"role": "assistant", "content": content})
        return history, conversation, ""

    def ask_api(self, question: str, session: str = "", as_of: str = "") -> dict[str, Any]:
        """The answer as JSON for programs; a non-empty `session` keeps a conversation across calls, and an
        `as_of` day (YYYY-MM-DD, optional) prefers the week before it as in the chat."""
        if self.assistant is None:
            return {"error": self.problem or "No index is loaded."}
        try:
            conversation = self.sessions.get(session) if session else None
            day = parse_day(as_of, "as_of")
            answer = self.assistant.ask(question, conversation=conversation, as_of=day)
        except QAError as exc:
            return {"error": str(exc)}
        data: dict[str, Any] = answer.model_dump(mode="json")
        return data


def example_questions(assistant: Assistant | None, n: int = 4) -> list[str]:
    """Questions built from the loaded corpus's own titles and authors, one per article, genres mixed."""
    if assistant is None:
        return []
    articles = assistant.index.store.articles()
    by_genre: dict[str, list[Any]] = {}
    for a in articles:
        by_genre.setdefault("opinion" if a.genre in OPINION_FAMILY else a.genre, []).append(a)
    picked: list[Any] = []
    while len(picked) < n and any(by_genre.values()):
        for group in by_genre.values():
            if group and len(picked) < n:
                picked.append(group.pop(0))
    out = []
    for a in picked:
        title = a.title.split(":", 1)[1].strip() if a.title.lower().startswith("opinion:") else a.title
        if a.genre in OPINION_FAMILY and a.authors:
            out.append(f"Why does {a.authors[0]} argue that {title[0].lower() + title[1:]}?")
        else:
            out.append(f"What is reported about this: {title}?")
    return out


def build_app(chat: ChatApp) -> Any:
    """The Gradio Blocks of the web chat."""
    import gradio as gr

    with gr.Blocks(title="Ask the news archive") as demo:
        gr.Markdown(
            "## Ask the news archive\nAnswers are exact quotes from the articles, each with its source and a "
            "genre badge: **opinion** in orange, **news** in blue, **analysis** in purple. Follow-up questions "
            '("who wrote that?") refer to the last answer.'
        )
        conversation = gr.State(None)
        with gr.Row():
            genre = gr.Radio(list(GENRE_CHOICES), value=GENRE_CHOICES[0], label="Genre", elem_id="qa-genre")
            outlet = gr.Dropdown(chat.outlets(), value=ANY_OUTLET, label="Outlet", elem_id="qa-outlet")
            since = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1, elem_id="qa-since")
            until = gr.Textbox(label="Until (YYYY-MM-DD)", max_lines=1, elem_id="qa-until")
            as_of = gr.Textbox(
                label="As of (YYYY-MM-DD)",
                max_lines=1,
                elem_id="qa-as-of",
                info="prefers articles of the week before this day",
            )
        chatbot = gr.Chatbot(
            label="Answers",
            height=560,
            sanitize_html=True,
            latex_delimiters=[],
            elem_id="qa-chat",
        )
        with gr.Row():
            box = gr.Textbox(
                placeholder="Ask about the articles…", show_label=False, scale=8, max_lines=3, elem_id="qa-question"
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
            new = gr.Button("New conversation", scale=1, elem_id="qa-new")
        examples = example_questions(chat.assistant)
        if examples:
            gr.Examples(examples=[[e] for e in examples], inputs=[box], label="Try")
        inputs = [box, chatbot, conversation, genre, outlet, since, until, as_of]
        outputs = [chatbot, conversation, box]
        box.submit(chat.respond, inputs, outputs, api_visibility="private", concurrency_limit=8)
        send.click(chat.respond, inputs, outputs, api_visibility="private", concurrency_limit=8)
        new.click(lambda: ([], Conversation(), ""), None, outputs, api_visibility="private")
        # For programs: gradio_client.Client(url).predict("question", "session", api_name="/ask") -> answer JSON.
        gr.api(chat.ask_api, api_name="ask", concurrency_limit=8)
    return demo
