"""Evaluation: gold questions and dialogues -> reports, retrieval and answers scored apart."""
