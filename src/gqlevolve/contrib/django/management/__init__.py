"""Django's place for an app's management commands (:mod:`.commands`)."""
