"""The web page of a watch: live view, tuning, events and zones (the ``web`` extra).

``spotdiff serve -o DIR`` serves the page over a watch's output folder from a
process of its own; ``spotdiff watch ... -o DIR --serve HOST:PORT`` runs the
same page inside the watch. Both talk to the running watch through files in
``DIR/live`` (:mod:`spotdiff.web.live`); the server is :mod:`spotdiff.web.app`
(Starlette), run by :mod:`spotdiff.web.server` (uvicorn); what the page may
change is :mod:`spotdiff.web.tuning`.
"""
