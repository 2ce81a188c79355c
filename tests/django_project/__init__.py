"""A Django project set up as docs/integrations/django.md says (its marked parts are the page's snippets)."""
