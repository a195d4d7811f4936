"""The web console (``/console``): server-rendered pages for testers and operators.

Its handlers translate only, like the REST channel's: read the form, call one service, render a
template.  Sessions are signed cookies (:mod:`.sessions`), every form carries a CSRF token, and
every page a Content-Security-Policy that allows no inline script.
"""
