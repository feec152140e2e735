"""The layout dialog: modal, lists layout files only, never offers to delete."""

import pygame
import pygame_gui

from gridsim.app.file_dialog import layouts_folder


def press(app, button):
    app.scene.handle_event(pygame.event.Event(pygame_gui.UI_BUTTON_PRESSED, ui_element=button))
    app.frame()


def click(app, pos):
    for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
        pygame.event.post(pygame.event.Event(kind, pos=pos, button=1))
        app.frame()


def test_open_lists_the_shipped_layouts_and_no_other_files(app):
    press(app, app.scene.open_button)
    dialog = app.scene._dialog
    assert dialog.current_directory_path == str(layouts_folder())
    names = dialog.shown_names
    assert {"tutorial_3x3.json", "walls_3x3.json", "zhao_5x5.json"} <= set(names)
    assert all(n.endswith(".json") for n in names)  # that folder has no sub-folders
    assert not any(n.startswith(".") for n in names)


def test_the_dialog_offers_no_delete_button(app):
    press(app, app.scene.save_button)
    dialog = app.scene._dialog
    assert not dialog.delete_button.alive()
    inside = [e for e in dialog.get_container().elements if e.alive()]
    assert dialog.ok_button in inside and dialog.delete_button not in inside


def test_a_click_on_the_board_behind_the_dialog_changes_nothing(app):
    scene = app.scene
    world = scene.world
    press(app, scene.open_button)
    dialog = scene._dialog
    assert dialog.is_blocking
    cell = scene.geo.cell_rect(1)  # s2, beside the dialog or under it: either way, no edit
    for pos in (cell.center, scene.geo.cell_rect(3).center, (5, app.size[1] - 5)):
        click(app, pos)
    assert scene.world is world
    dialog.kill()
    scene._dialog = None
    app.frame()
    click(app, scene.geo.cell_rect(1).center)  # without the dialog the same click edits
    assert scene.world is not world and 1 in scene.world.forbidden


def test_shortcuts_wait_while_the_dialog_is_open(app, made):
    press(app, app.scene.open_button)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" "))
    app.frame()
    assert app.scene.panel.controller.status() != "running"
    assert app.scene._dialog is not None and app.scene._dialog.alive()
