"""Formulas typeset as the tutorial writes them: V^π, Q*, Σ_a, γ^t r_t, π(a_2|s_1)."""

import pygame

from gridsim.app.draw import formulas, style


def test_scripts_are_parsed_after_a_lone_letter_or_an_operator():
    assert formulas.parse("V^π(s_t)") == (("V", 0), ("π", 1), ("(s", 0), ("t", -1), (")", 0))
    assert formulas.parse("γ^t r_t") == (("γ", 0), ("t", 1), (" r", 0), ("t", -1))
    assert formulas.parse("Σ_a π(a|s)") == (("Σ", 0), ("a", -1), (" π(a|s)", 0))
    assert formulas.parse("max_a Q*(s,a)")[1] == ("a", -1)
    assert formulas.parse("s_{t+1}") == (("s", 0), ("t+1", -1))


def test_names_with_underscores_are_left_alone():
    for text in ("simple_pg", "rtg_pg", "batch_steps", "r_forbidden", "2^3", "Q*"):
        assert formulas.parse(text) == ((text, 0),)
        assert not formulas.has_scripts(text)


def test_widgets_get_unicode_forms_where_the_fonts_have_them():
    assert formulas.plain("π(a_2|s_1)") == "π(a₂|s₁)"
    assert formulas.plain("γ^2") == "γ²"
    assert formulas.plain("V^π") == "Vπ"  # no superscript π in Unicode: inline
    assert formulas.plain("simple_pg") == "simple_pg"


def test_a_typeset_formula_is_narrower_than_its_markup_and_has_raised_scripts():
    pygame.font.init()
    typeset = style.text("V^π(s_t)", 20)
    inline = style.text("Vπ(st)", 20)
    markup = style.font(20).size("V^π(s_t)")[0]
    assert typeset.get_width() < markup
    assert typeset.get_width() < inline.get_width()  # the scripts are smaller
    assert typeset.get_height() > inline.get_height() - 2  # and shifted up and down


def test_no_widget_text_carries_markup_it_cannot_typeset():
    """pygame_gui draws its labels itself: V^π there would show a literal caret."""
    import ast
    from pathlib import Path

    from gridsim.app.demos.values import MODES
    from gridsim.app.scenes.gridworld import ACTION_VALUE_OPTIONS
    from tests.test_i18n_catalog import APP, HELPERS, TEXT_KEYWORDS

    texts = [a for a, _ in MODES] + [a for a, _ in ACTION_VALUE_OPTIONS]
    for path in sorted(Path(APP).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = HELPERS.get(name)
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    texts.append(arg.value)
            texts += [
                kw.value.value
                for kw in node.keywords
                if kw.arg in TEXT_KEYWORDS and isinstance(kw.value, ast.Constant)
            ]
    assert len(texts) > 20
    marked = [text for text in texts if formulas.has_scripts(text)]
    assert not marked, f"use formulas.plain forms in widgets: {marked}"
