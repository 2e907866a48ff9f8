"""The desktop window: thin Qt widgets over Qt item models over the same core functions the CLI calls.

Long work (scan, embed, cluster, edits, export, reads of the whole library) runs in worker threads
(workers.py); the GUI thread only turns results into model updates.
"""
