"""The desktop app: pygame-ce + pygame_gui scenes over the gridworld core and the agents' Trainer.

Only this subpackage (and ``gridsim.commands.gui``) imports pygame. Modules without
``draw``/``scene`` in their name (``i18n``, ``editor``, ``exact``, ``training``,
``cartpole_display``) are pixel-free and tested without a window. ``app.App`` owns
the window, the one UIManager and the main loop.
"""
