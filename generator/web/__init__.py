"""The web application (`baocao web`): the quarterly loop in the browser, on one computer or as
a huyện's shared collection server. Django brings accounts, sessions, CSRF, forms, the admin and
migrations; every report operation calls the library (generator's public API).

Nothing in the library or the CLI imports this package except `baocao web`, so the library works
without the ``baocao[web]`` extra installed.
"""
