"""Figures: numbers with what they count, compared for the same quantity and the same value."""

from __future__ import annotations

import pytest

from qa.answers.figures import conflicting, figures, same_quantity, same_value


def _one(sentence: str) -> tuple[str, float, set[str]]:
    [f] = figures(sentence)
    return f.text, f.value, set(f.unit)


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit"),
    [
        ("About 1,200 protesters marched on Friday.", "About 1,200", 1200, {"protest", "march"}),
        ("Police put the crowd at 2,500 protesters.", "2,500", 2500, {"protest"}),
        ("The flood damaged more than 400 homes in 2021.", "more than 400", 400, {"home"}),
        ("The council approved a budget of €45 million.", "€45 million", 45e6, {"euro"}),
        ("It will cost 45 million euros.", "45 million", 45e6, {"euro"}),
        ("Turnout was 61%.", "61%", 61, {"%"}),
        ("Turnout was 58 per cent.", "58 per cent", 58, {"%"}),
        ("The line has twelve stations.", "twelve", 12, {"station"}),
        ("Shares fell to $3.2bn.", "$3.2bn", 3.2e9, {"dollar"}),
    ],
)
def test_figures_are_read_with_their_units(sentence: str, text: str, value: float, unit: set[str]) -> None:
    got_text, got_value, got_unit = _one(sentence)
    assert got_text.lower() == text.lower() and got_value == pytest.approx(value) and got_unit == unit


def test_years_are_dates_not_amounts_and_several_figures_are_kept_apart() -> None:
    assert figures("The tram opened in 2021 after a vote in 2019.") == []
    found = figures("Last year, ANAMA defused 8,780 anti-personnel and 4,133 anti-tank landmines.")
    assert [(f.text, set(f.unit)) for f in found] == [
        ("8,780", {"anti-personnel"}),
        ("4,133", {"anti-tank", "landmin"}),
    ]


def test_same_quantity_and_same_value() -> None:
    [a] = figures("About 1,200 protesters marched.")
    [b] = figures("Police counted 2,500 protesters.")
    [c] = figures("Some 1200 protesters gathered.")
    [d] = figures("The flood damaged 1,200 homes.")
    assert same_quantity(a, b) and not same_value(a, b)
    assert same_quantity(a, c) and same_value(a, c)
    assert not same_quantity(a, d)
    [m1] = figures("a grant of €1.2 million")
    [m2] = figures("a grant of 1,200,000 euros")
    assert same_quantity(m1, m2) and same_value(m1, m2)


def test_spelled_numbers_and_abbreviated_units_count_the_same_thing() -> None:
    [a] = figures("Hestia Marlow won by 14 votes.")
    [b] = figures("The recount left her fourteen votes ahead.")
    assert same_quantity(a, b) and same_value(a, b)
    [mm] = figures("The gauge recorded 85mm of rain.")
    [spelled] = figures("Forecasters said 85 millimetres of rain fell.")
    assert same_quantity(mm, spelled) and same_value(mm, spelled)
    [km] = figures("a 4 km stretch of shore")
    [word] = figures("a four-kilometre stretch of shore")
    assert same_quantity(km, word) and same_value(km, word)
    [through] = figures("a diversion of nineteen kilometres through Ashby Cross")
    assert through.unit == {"kilometr"}  # a preposition after the unit is not what it counts


def test_ranks_are_not_amounts_and_bounds_conflict_only_from_their_wrong_side() -> None:
    assert figures("It marked the 12th straight day of records.") == []
    assert figures("a 17th-century brass astrolabe") == []
    [over] = figures("More than 6,000 dead fish were found.")
    [around] = figures("Officers counted around 2,000 dead fish.")
    [seven] = figures("Officers counted 7,000 dead fish.")
    assert over.bound == "min" and around.bound == ""
    assert conflicting(over, around) and not conflicting(over, seven)
    [under] = figures("under 3,000 dead fish")
    assert conflicting(under, seven) and not conflicting(under, around)
