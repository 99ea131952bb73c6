"""narrate: turn a written article into a narrated explainer video, offline."""

__version__ = "0.1.0"
