"""Answers: a question and its Hits -> an Answer of exact, attributed, labelled Quotes, in fixed templates."""
