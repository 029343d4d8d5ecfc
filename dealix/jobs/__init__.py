"""Scheduled work: the jobs Dealix runs on its own, on APScheduler 4 (one engine, SQLite or PostgreSQL).

    catalog.py   which jobs exist and when they run (JobSpec)
    tasks.py     what each job does: calls the service the CLI and the API call
    history.py   the run history (one row per job and fire time: claimed once, its outcome)
    runner.py    the scheduler around them: started by ``dealix serve`` and ``dealix jobs run``

Why APScheduler 4 and how a job runs once across workers: docs/operations.md ("Scheduled jobs").
"""
