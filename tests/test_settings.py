"""Settings survive a restart, and bad files fall back to defaults instead of crashing."""

from gridsim.settings import Settings, load_settings, update_settings


def test_language_choice_is_remembered(tmp_path):
    path = tmp_path / "cfg" / "settings.json"
    assert load_settings(path) == Settings(language="en")
    update_settings(path, language="zh")
    assert load_settings(path).language == "zh"


def test_corrupt_or_strange_settings_give_defaults(tmp_path):
    path = tmp_path / "settings.json"
    for text in ("{not json", "[1, 2]", '{"language": "klingon", "extra": 1}'):
        path.write_text(text)
        assert load_settings(path) == Settings()
