"""Every action of the window in one registry: id, text, shortcut, what it does, when it is enabled.

In the spirit of MusicBrainz Picard's actions registry: the table below is the one place that says what
an action is; menus, the toolbar, the album header and context menus list ids, and ``WindowActions``
builds the QActions, connects each to the window method it names and re-evaluates every ``enabled_when``
from one ``ActionState`` (read once per update, so the rules never read widgets themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar, QToolButton, QWidget

from album_app.catalog.views import EditState
from album_app.gui.snapshot import AlbumEntry

Shortcut = QKeySequence.StandardKey | str
Pixmap = QStyle.StandardPixmap

#: How the Undo and Redo actions name the edit they would take back.
EDIT_KIND_NAMES = {
    "rename": "rename",
    "merge": "merge",
    "split": "new album",
    "move": "move",
    "remove": "removal",
    "reject": "rejection",
    "lock": "acceptance",
    "unlock": "un-acceptance",
    "create": "new album",
}


@dataclass(frozen=True)
class ActionState:
    """What the enabled-when rules look at, read from the window once per update."""

    albums: Sequence[AlbumEntry]  # the selected albums, Unsorted left out
    current: AlbumEntry | None  # the album in view
    photos_selected: bool  # in the album grid
    library_empty: bool
    edits: EditState
    cancellable_job: bool  # a running task that can be cancelled
    view_selection: bool = False  # the view in front (grid, timeline, results) has photos selected
    view_current: bool = False  # ... a current photo
    album_view: bool = True  # the view in front is the album's grid


@dataclass(frozen=True)
class ActionSpec:
    id: str  # the QAction is ``window.action_registry[id]``, also ``window.act_<id>``
    text: str
    handler: str  # the name of the window's method that triggered calls (with ``args``)
    shortcut: Shortcut | None = None
    tip: str = ""
    icon: Pixmap | None = None
    enabled_when: Callable[[ActionState], bool] | None = None  # None: always enabled
    text_when: Callable[[ActionState], str] | None = None  # a text that follows the state
    args: tuple[object, ...] = ()
    checkable: bool = False
    widget_shortcut: bool = False  # the shortcut works only where the action is added (not window-wide)


def _has_photos(state: ActionState) -> bool:
    return not state.library_empty


def _in_album(state: ActionState) -> bool:
    return state.current is not None and not state.current.is_unsorted


def _all_locked(state: ActionState) -> bool:
    return bool(state.albums) and all(a.locked for a in state.albums)


def _undo_text(kind: str | None, verb: str) -> str:
    return f"&{verb} {EDIT_KIND_NAMES.get(kind, kind)}" if kind else f"&{verb}"


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("add", "&Add folder…", "choose_folder", QKeySequence.StandardKey.Open,
               "Add a folder of photos to the library", Pixmap.SP_DirOpenIcon),
    ActionSpec("export", "&Export albums…", "export_albums", "Ctrl+E", "Write albums to folders as links or copies",
               Pixmap.SP_DialogSaveButton, enabled_when=_has_photos),
    ActionSpec("quit", "&Quit", "close", QKeySequence.StandardKey.Quit),
    ActionSpec("undo", "&Undo", "undo", QKeySequence.StandardKey.Undo, "Undo the last edit", Pixmap.SP_ArrowBack,
               enabled_when=lambda s: s.edits.undo_kind is not None,
               text_when=lambda s: _undo_text(s.edits.undo_kind, "Undo")),
    ActionSpec("redo", "&Redo", "redo", "Ctrl+Shift+Z", "Redo the last undone edit", Pixmap.SP_ArrowForward,
               enabled_when=lambda s: s.edits.redo_kind is not None,
               text_when=lambda s: _undo_text(s.edits.redo_kind, "Redo")),
    ActionSpec("rename", "Re&name album", "rename_current", "F2", "Rename the selected album", enabled_when=_in_album),
    ActionSpec("merge", "&Merge albums", "merge_selected", "Ctrl+M", "Merge the selected albums into the current one",
               enabled_when=lambda s: len(s.albums) >= 2),
    ActionSpec("split", "New album from &selection", "split_selected", "Ctrl+N",
               "Put the selected photos in a new album of their own",
               enabled_when=lambda s: s.photos_selected and s.current is not None),
    # Delete removes photos only when the grid has the focus, never from the sidebar by surprise.
    ActionSpec("remove", "Remove from a&lbum", "remove_selected", QKeySequence.StandardKey.Delete,
               "Take the selected photos out of this album; they will not come back to it",
               enabled_when=lambda s: s.photos_selected and _in_album(s), widget_shortcut=True),
    ActionSpec("accept", "&Accept album", "toggle_accept", "Ctrl+Return",
               "Accept the suggestion: its photos stay in it", Pixmap.SP_DialogApplyButton,
               enabled_when=lambda s: bool(s.albums),
               text_when=lambda s: "Un-&accept album" if _all_locked(s) else "&Accept album"),
    ActionSpec("reject", "Re&ject suggestion", "reject_selected", "Ctrl+Shift+Delete",
               "Dissolve the suggestion; it will not be suggested again", Pixmap.SP_DialogDiscardButton,
               enabled_when=lambda s: bool(s.albums)),
    ActionSpec("recluster", "Re-&cluster…", "recluster", "Ctrl+R",
               "Suggest albums again with another method or weights; edits are kept", Pixmap.SP_BrowserReload,
               enabled_when=_has_photos),
    ActionSpec("model", "&Model…", "show_models", None, "The model that describes your photos"),
    ActionSpec("photos", "&Photos", "show_view", "Ctrl+1", "The photos of the album chosen", args=("photos",)),
    ActionSpec("timeline", "&Timeline", "show_view", "Ctrl+2", "Every photo by day", args=("timeline",)),
    ActionSpec("places", "P&laces", "show_view", "Ctrl+3", "Photos on a map of the world", args=("places",)),
    ActionSpec("search", "&Search", "show_view", "Ctrl+4", "Find photos by place, date, camera…", args=("search",)),
    ActionSpec("like_this", "More li&ke this", "show_view", "Ctrl+5", "The photos last asked about",
               args=("like_this",)),
    ActionSpec("map", "Look &map", "show_view", "Ctrl+6", "Photos by how they look", args=("map",)),
    ActionSpec("find", "&Find photos…", "find_photos", QKeySequence.StandardKey.Find,
               "Search by place, date, camera, album kind"),
    ActionSpec("view_photo", "&View photo", "view_photo", None,
               "Show the photo full screen (Enter or a double-click does too)",
               enabled_when=lambda s: s.view_current),
    ActionSpec("more_like_this", "More &like this", "more_like_this", "Ctrl+L",
               "The photos that look most like the ones selected, across the library",
               enabled_when=lambda s: s.view_selection or s.view_current),
    ActionSpec("show_in_album", "Show in &album", "show_in_album", "Ctrl+J", "The photo in its album's grid",
               enabled_when=lambda s: s.view_current and not s.album_view),
    ActionSpec("details", "Photo &details", "toggle_details", "Ctrl+I", checkable=True),
    ActionSpec("zoom_in", "&Larger thumbnails", "zoom_grid", QKeySequence.StandardKey.ZoomIn, args=(1,)),
    ActionSpec("zoom_out", "&Smaller thumbnails", "zoom_grid", QKeySequence.StandardKey.ZoomOut, args=(-1,)),
    ActionSpec("cancel", "&Cancel task", "cancel_task", "Esc", enabled_when=lambda s: s.cancellable_job),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "show_shortcuts", QKeySequence.StandardKey.HelpContents),
    ActionSpec("about", "&About album_app", "show_about"),
)

RECENT = "recent"  # the menu entry where the "Scan again" submenu goes
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("&File", ("add", RECENT, "export", None, "quit")),
    ("&Edit", ("undo", "redo", None, "rename", "merge", "split", "remove", None, "accept", "reject")),
    ("&Albums", ("recluster", "model")),
    ("&View", ("photos", "timeline", "places", "search", "like_this", "map", None, "find", "view_photo",
               "more_like_this", "show_in_album", None, "details", None, "zoom_in", "zoom_out")),
    ("&Help", ("shortcuts", "about")),
)
TOOLBAR: tuple[str | None, ...] = ("add", "recluster", "export", None, "undo", "redo")
HEADER_BUTTONS = ("accept", "reject")  # beside the album's name
ALBUM_LIST_MENU = ("rename", "merge", "accept", "reject")
GRID_MENU = ("view_photo", "more_like_this", None, "split", "remove")
BROWSE_MENU = ("view_photo", "more_like_this", "show_in_album")  # timeline, search, similar, place photos


class WindowActions:
    """The window's QActions, built from ACTIONS; ``update`` applies the enabled-when and text rules."""

    def __init__(self, window: QMainWindow, specs: Sequence[ActionSpec] = ACTIONS) -> None:
        """``window``: the MainWindow, whose methods the specs' handlers name."""
        self.window = window
        self.specs = {spec.id: spec for spec in specs}
        self.actions: dict[str, QAction] = {spec.id: self._make(spec) for spec in specs}

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]

    def _make(self, spec: ActionSpec) -> QAction:
        window = self.window
        action = QAction(spec.text, window)
        action.setObjectName(f"action-{spec.id}")
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.widget_shortcut:
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        if spec.tip:
            action.setStatusTip(spec.tip)
            action.setToolTip(spec.tip)
        if spec.icon is not None:
            action.setIcon(window.style().standardIcon(spec.icon))
        action.setCheckable(spec.checkable)
        handler = getattr(window, spec.handler)  # a name that is not a method fails here, at start-up
        action.triggered.connect(lambda _checked=False, h=handler, a=spec.args: h(*a))
        window.addAction(action)
        setattr(window, f"act_{spec.id}", action)
        return action

    def update(self, state: ActionState) -> None:
        for action_id, spec in self.specs.items():
            action = self.actions[action_id]
            if spec.enabled_when is not None:
                action.setEnabled(spec.enabled_when(state))
            if spec.text_when is not None:
                action.setText(spec.text_when(state))

    # -- where the actions appear -------------------------------------------------------------------

    def fill_menus(self, recent: QMenu) -> None:
        bar = self.window.menuBar()
        for title, items in MENUS:
            menu = bar.addMenu(title)
            for item in items:
                if item is None:
                    menu.addSeparator()
                elif item == RECENT:
                    menu.addMenu(recent)
                else:
                    menu.addAction(self.actions[item])

    def fill_toolbar(self, toolbar: QToolBar) -> None:
        for item in TOOLBAR:
            toolbar.addSeparator() if item is None else toolbar.addAction(self.actions[item])

    def header_buttons(self) -> list[QToolButton]:
        buttons = []
        for action_id in HEADER_BUTTONS:
            button = QToolButton()
            button.setDefaultAction(self.actions[action_id])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            buttons.append(button)
        return buttons

    def add_context_menu(self, widget: QWidget, action_ids: Sequence[str | None]) -> None:
        widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action_id in action_ids:
            if action_id is None:
                separator = QAction(widget)
                separator.setSeparator(True)
                widget.addAction(separator)
            else:
                widget.addAction(self.actions[action_id])

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(name, keys) of every action with a shortcut, for the Keyboard shortcuts box."""
        rows = []
        for action in self.actions.values():
            if not action.shortcut().isEmpty():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((action.text().replace("&", ""), keys))
        return rows
