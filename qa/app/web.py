"""The web chat: its handlers and the Gradio app; the quote cards are rendered by qa.app.render.

Rendering and the handlers are plain functions and methods, testable without a browser; `build_app` wires them
into Gradio Blocks. One Assistant serves every session; each browser session has its own Conversation, and
programs calling the `/ask` endpoint name a session to keep theirs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

from ..assistant import Assistant
from ..chat import Conversation
from ..errors import QAError
from ..models import Filters
from .examples import EXAMPLE_ARTICLES, examples_for
from .render import inert, render_answer, render_error

GENRE_CHOICES = ("All genres", "News only", "Opinion only", "Analysis only")
_CHOICE_GENRES = {"News only": ("news",), "Opinion only": ("opinion",), "Analysis only": ("analysis",)}
ANY_OUTLET = "Any outlet"
# How many quotes an answer shows: up to three, or only those that score close to the best (Settings.quote_margin:
# the server's --quote-margin when it has one, else SURE_MARGIN, measured in docs/answers.md#choosing-quotes).
QUOTE_CHOICES = ("Up to three quotes", "Only quotes close to the best")
SURE_MARGIN = 0.05


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
        margin = assistant.settings.quote_margin if assistant is not None else None
        self.sure_margin = SURE_MARGIN if margin is None else margin
        # the choice the page opens with: the server's own setting
        self.quote_choice = QUOTE_CHOICES[0] if margin is None else QUOTE_CHOICES[1]
        self._variants: dict[float | None, Assistant] = {}
        self._lock = threading.Lock()

    def _assistant_for(self, quote_choice: str | None) -> Assistant:
        """The shared assistant, showing the quotes `quote_choice` asks for (the server's setting when None)."""
        assert self.assistant is not None
        if quote_choice is None:
            return self.assistant
        if quote_choice not in QUOTE_CHOICES:
            raise QAError(f"Quotes: unknown choice {quote_choice!r}; use one of {', '.join(QUOTE_CHOICES)}")
        margin = None if quote_choice == QUOTE_CHOICES[0] else self.sure_margin
        with self._lock:
            if margin not in self._variants:
                self._variants[margin] = self.assistant.with_quote_margin(margin)
            return self._variants[margin]

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
        quote_choice: str | None = None,
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
            assistant = self._assistant_for(quote_choice)
            answer = assistant.ask(message, filters=filters, conversation=conversation, as_of=day)
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
    """Questions a reader might ask of the loaded corpus, from its own names, authors and speakers (fixed
    templates, genres mixed); see qa.app.examples."""
    if assistant is None:
        return []
    return examples_for(assistant.index.articles(limit=EXAMPLE_ARTICLES), n)


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
        chatbot = gr.Chatbot(
            label="Answers",
            height=560,
            sanitize_html=True,
            latex_delimiters=[],
            elem_id="qa-chat",
        )
        # The question box is the first field of the page and has the focus when it opens.
        with gr.Row():
            box = gr.Textbox(
                placeholder="Ask about the articles…",
                show_label=False,
                scale=8,
                max_lines=3,
                autofocus=True,
                elem_id="qa-question",
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
            new = gr.Button("New conversation", scale=1, elem_id="qa-new")
        examples = example_questions(chat.assistant)
        if examples:
            gr.Examples(examples=[[e] for e in examples], inputs=[box], label="Try")
        with gr.Accordion("Filters", open=True), gr.Row():
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
        quotes = gr.Radio(
            list(QUOTE_CHOICES),
            value=chat.quote_choice,
            label="Quotes",
            elem_id="qa-quotes",
            info="the second and third quotes are often on the topic without answering",
        )
        inputs = [box, chatbot, conversation, genre, outlet, since, until, as_of, quotes]
        outputs = [chatbot, conversation, box]
        box.submit(chat.respond, inputs, outputs, api_visibility="private", concurrency_limit=8)
        send.click(chat.respond, inputs, outputs, api_visibility="private", concurrency_limit=8)
        new.click(lambda: ([], Conversation(), ""), None, outputs, api_visibility="private")
        # For programs: gradio_client.Client(url).predict("question", "session", api_name="/ask") -> answer JSON.
        gr.api(chat.ask_api, api_name="ask", concurrency_limit=8)
    return demo
