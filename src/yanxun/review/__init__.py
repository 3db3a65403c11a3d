"""Review engine (评审): the database-free core.

`aggregate` turns raw scores into finals, ranks and judge-agreement figures; `assignment`
assigns judges to entries without conflicts and with balanced loads; `cli` exposes
`yanxun review aggregate|assign` without starting Django. Nothing here imports Django, so
the web app, the command line and the benchmarks all share the same arithmetic.
"""
