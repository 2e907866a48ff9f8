"""What an album is: the one list of album kinds (the catalog's CHECK in migration 5 spells the same).

  * ``trip``: time away from home that spans nights; ``outing``: a day out of the home area;
    ``gathering``: a burst of photos near home well above the person's everyday rate (life.py);
  * ``everyday``: a calendar month of the photos around home that belong to no event;
  * ``screenshots``: screenshots, recognised by what they are (screens.py);
  * ``user``: an album the user made; ``event``: an album of the event-library clustering (affinity,
    kmeans, hdbscan: a library without a home).
"""

from __future__ import annotations

TRIP, OUTING, GATHERING, EVERYDAY = "trip", "outing", "gathering", "everyday"
SCREENSHOTS, USER, EVENT = "screenshots", "user", "event"
ALBUM_KINDS = (TRIP, OUTING, GATHERING, EVERYDAY, SCREENSHOTS, USER, EVENT)
#: Kinds that are something that happened (a friend's copies join only these).
EVENT_KINDS = (TRIP, OUTING, GATHERING)
#: Kinds whose photos are not an event the user is asked to accept: their default view is a timeline.
BROWSE_KINDS = (EVERYDAY, SCREENSHOTS)
#: How the window's sidebar groups albums, in its order (Unsorted follows them): a title and the kinds in it.
SECTIONS = (
    ("Trips", (TRIP,)),
    ("Events", (OUTING, GATHERING, EVENT)),
    ("Everyday", (EVERYDAY,)),
    ("Screenshots", (SCREENSHOTS,)),
    ("Albums", (USER,)),
)


def section_of(kind: str) -> str:
    """The sidebar section an album of this kind is listed under (an unknown kind: Events)."""
    return next((title for title, kinds in SECTIONS if kind in kinds), "Events")
