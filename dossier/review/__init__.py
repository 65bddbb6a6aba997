"""The city bureau's review (复核评估): intake, scoring sheet, results, publication.

- ``workspace``: the review workspace on disk (one folder per year) and its paths.
- ``register``: the SQLite register (append-only, schema versioned).
- ``submission``: what a county's archive holds, read in one place.
- ``intake``: ``dossier review add``: verify, extract read-only, register.
- ``evaluate``: claimed vs verified per criterion (the same score rules as the county side).
- ``sheet``: the reviewer's XLSX sheet, written and imported back.
- ``results``: totals, ranking, annual list, year-over-year; XLSX and JSON.
- ``docs``: the 复核意见, the city summary report and the announcement (GB/T 9704).
"""
