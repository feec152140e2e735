"""Every English string the app shows has a Chinese translation, and Chinese renders."""

import ast
from pathlib import Path

import pygame
import pygame_gui
import pytest

from gridsim.app import i18n, language
from gridsim.app.draw import style
from gridsim.demos import CHAPTERS, DEMOS

APP = Path(__file__).resolve().parent.parent / "gridsim" / "app"
# calls whose English argument is shown translated: widget helpers (pygame_gui translates
# the text they get) and tooltips (argument index)
HELPERS = {
    "heading": 0,
    "button": 0,
    "checkbox": 0,
    "label": 0,
    "labelled_entry": 1,
    "set_tooltip": 0,
    "set_text": 0,
}
TEXT_KEYWORDS = ("tip", "placeholder", "tool_tip_text")


def shown_strings() -> dict[str, str]:
    """English literal -> the file it is in: t("...") calls, the widget helpers' text, tips."""
    found = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = 0 if name == "t" else HELPERS.get(name)
            args = [a for a in node.args]
            if index is not None and len(args) > index and isinstance(args[index], ast.Constant):
                found.setdefault(args[index].value, path.name)
            for kw in node.keywords:
                if kw.arg in TEXT_KEYWORDS and isinstance(kw.value, ast.Constant):
                    found.setdefault(kw.value.value, path.name)
    return {k: v for k, v in found.items() if isinstance(k, str) and k.strip()}


def indirect_strings() -> list[str]:
    """Strings the app passes to t() through tables rather than literals."""
    from gridsim.app import app
    from gridsim.app import trainer_link as training
    from gridsim.app.demos.values import MODES
    from gridsim.app.panels import training as training_panel
    from gridsim.app.scenes import gridworld as scene_grid
    from gridsim.app.scenes.demos import button_text
    from gridsim.world import ACTION_WORDS

    out = list(ACTION_WORDS) + ["idle", "running", "paused", "finished", "failed"]
    out += list(getattr(scene_grid, "TOOL_TIPS", {}).values())
    out += list(getattr(scene_grid, "TOOL_NAMES", {}).values())
    out += [a for a, _ in getattr(scene_grid, "MODE_OPTIONS", ())]
    out += [a for a, _ in getattr(scene_grid, "ACTION_VALUE_OPTIONS", ())]
    out += [label for _, label in getattr(training, "BATCH_FIELDS", {}).values()]
    out += [title for _, title in app.TABS] + list(training_panel.REFERENCE_LABELS.values())
    out += [text for text, _ in training_panel.METRIC_OPTIONS + training_panel.X_OPTIONS]
    out += list(training_panel.PLOT_TITLES.values())
    from gridsim.app.panels import inspector
    from gridsim.inspection import WEIGHT_NAMES

    out += [text for _, text in inspector.VIEWS] + list(inspector.VIEW_TIPS.values())
    out += list(WEIGHT_NAMES.values()) + ["Pause"]  # the Play button's other face
    out += ["Set r_forbidden = 0", "Set r_forbidden = -10"]
    out += ["solved at {n} steps", "step budget reached ({n} steps)"]  # the trainer's messages
    out += list(CHAPTERS.values()) + [a for a, _ in MODES]
    from gridsim.app.draw.bands import TABLE_COLUMNS

    out += [*TABLE_COLUMNS, "Run again", "stopped"]  # the Compare tab's table; its toggle
    out += ["starting the workers", "writing compare.csv, summary.md and compare.png"]
    for d in DEMOS:
        out += [d.title, d.caption, button_text(d)]
    out += preference_strings()
    return out


def preference_strings() -> list[str]:
    """The labelling panel's buttons, the labeller and plot choices, the reward boards."""
    from gridsim.app.panels import labelling, reward_overlay
    from gridsim.app.panels import training as training_panel

    out = [a for a, _ in training_panel.LABELLER_OPTIONS + training_panel.PLOT_OPTIONS]
    for title, series, _ in training_panel.PLOT_SERIES.values():
        out += [title] + [label for label, _ in series]
    out += list(reward_overlay.BOARD_TITLES.values()) + list(labelling.BUTTON_TEXTS)
    out.append(training_panel.RLHF_REWARDS_TITLE)
    return out


def test_every_shown_string_has_a_chinese_entry():
    catalog = language.load_catalog("zh")
    missing = [f"{file}: {text!r}" for text, file in shown_strings().items() if text not in catalog]
    missing += [repr(text) for text in indirect_strings() if text not in catalog]
    assert not missing, "add to assets/translations/zh.json or zh/*.json:\n" + "\n".join(missing)


def test_chinese_entries_keep_the_english_fields():
    import re

    for english, chinese in language.load_catalog("zh").items():
        fields = sorted(re.findall(r"\{(\w*)", english))
        assert sorted(re.findall(r"\{(\w*)", chinese)) == fields, english


def test_the_glossary_terms_are_used():
    text = "".join(language.load_catalog("zh").values())
    for term in ("智能体", "状态", "动作", "策略", "优势", "奖励", "回报"):
        assert term in text


def test_switching_language_changes_t_and_is_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSIM_CONFIG", str(tmp_path / "settings.json"))
    try:
        language.set_language("zh")
        assert i18n.t("Run") == "运行"
        assert language.saved_language() == "zh"
    finally:
        language.set_language("en", remember=False)
    assert i18n.t("Run") == "Run"


def test_widgets_made_with_english_text_relabel_on_a_switch():
    import i18n as python_i18n

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((200, 100))
    manager = pygame_gui.UIManager((200, 100), str(language.THEME))
    try:
        language.set_language("zh", manager, remember=False)
        assert python_i18n.t("Run") == "运行"
        language.set_language("en", manager, remember=False)
        assert python_i18n.t("Run") == "Run"
    finally:
        language.set_language("en", remember=False)


def test_the_zh_theme_overlay_gives_every_font_block_noto_sans_sc():
    overlay = language.zh_font_theme()
    assert "#tab" in overlay and "defaults" in overlay
    for block in overlay.values():
        assert any(f.get("name") == "noto_sans_sc" for f in block["font"])


def test_the_trainers_english_messages_are_translated_by_template():
    try:
        language.set_language("zh", remember=False)
        assert i18n.translate_message("solved at 84000 steps") == "已解决（用了 84000 步）"
        assert i18n.translate_message("world changed; policy kept") == "世界已改变；保留原策略"
        assert i18n.translate_message("CUDA exploded") == "CUDA exploded"
    finally:
        language.set_language("en", remember=False)
    assert i18n.translate_message("solved at 84000 steps") == "solved at 84000 steps"


def test_chinese_lines_wrap_between_characters():
    pygame.font.init()
    try:
        language.set_language("zh", remember=False)
        lines = style.wrap("智能体在每个状态选择一个动作，策略给出每个动作的概率。", 15, 120)
        assert (
            len(lines) > 1
            and "".join(lines) == "智能体在每个状态选择一个动作，策略给出每个动作的概率。"
        )
        assert all(style.font(15).size(line)[0] <= 120 for line in lines)
    finally:
        language.set_language("en", remember=False)


def test_chinese_lines_keep_quotes_with_their_words_and_stops_off_the_line_start():
    """A break never falls after “ or （, nor before ” ， 。 (at any width)."""
    pygame.font.init()
    text = "正在录制到 /tmp/x.gif：按 R 键或“停止”保存。"
    text += "智能体（agent）在每个状态选择动作，得到奖励。"
    try:
        language.set_language("zh", remember=False)
        for width in range(60, 400, 3):
            lines = style.wrap(text, 14, width)
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")
            assert not any(line.rstrip()[-1:] in style.NO_LINE_END for line in lines), lines
            assert not any(line[:1] in style.NO_LINE_START for line in lines[1:]), lines
    finally:
        language.set_language("en", remember=False)


@pytest.mark.parametrize("text", ["状态和动作", "智能体的回报"])
def test_chinese_renders_with_real_glyphs_not_tofu(text):
    pygame.font.init()
    zh_font = pygame.font.Font(str(style.font_file("zh")), 20)
    latin_font = pygame.font.Font(str(style.font_file("en")), 20)
    # Noto Sans has no CJK glyphs: every character becomes the same tofu box
    assert all(m is not None for m in zh_font.metrics(text))
    tofu = {latin_font.render(ch, True, (0, 0, 0)).get_size() for ch in text}
    glyphs = [pygame.image.tobytes(zh_font.render(ch, True, (0, 0, 0)), "RGBA") for ch in text]
    assert len(set(glyphs)) == len(set(text))  # distinct characters, distinct pictures
    assert len(tofu) == 1
    try:
        i18n.set_language("zh", language.load_catalog("zh"))
        assert style.font(20).size(text) == zh_font.size(text)
    finally:
        i18n.set_language("en")


def test_no_english_string_is_translated_twice_differently():
    """The per-view catalog files in zh/ may not contradict zh.json or each other."""
    import json

    seen: dict[str, tuple[str, str]] = {}
    for path in language.catalog_files("zh"):
        for english, chinese in json.loads(path.read_text(encoding="utf-8")).items():
            if english.startswith("_"):
                continue
            if english in seen and seen[english][0] != chinese:
                raise AssertionError(f"{english!r}: {seen[english]} vs {chinese!r} in {path.name}")
            seen[english] = (chinese, path.name)
