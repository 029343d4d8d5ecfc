"""The pipeline: the tenant's deals with their track, stage, value and expected close date.

    stages.py ..... tracks and stages with the win probability the forecast applies (data/stages.yaml)
    book.py ....... the deal book: every change to a deal is a new revision (append-only, per tenant)

The governance forecast (``skills.governance.forecast``) reads the book; nothing here forecasts.
"""
