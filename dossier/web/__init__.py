"""``dossier serve``: the office's local web page over the same library as the CLI.

Layout: ``access`` (links, tokens, Host and CSRF checks), ``journal`` (who wrote what),
``uploads`` (adding evidence files), ``claims`` (editing the manifest's claims),
``jobs`` (build and pack in the background with live progress), ``views`` (pages),
``app`` (the Starlette application), ``server`` (uvicorn, the printed links).
Everything the pages show comes from ``check`` and ``score``; nothing is computed twice.
"""
