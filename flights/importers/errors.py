"""The one error every part of an import may raise (a module of its own: no import cycle)."""


class ImportFailed(Exception):
    """The file could not be read at all; the message is one line for the person who sent it."""
