"""The end-to-end console test runs against a real server in a thread and Debian's chromium.

Locally it is skipped, with the reason, when chromium (or the playwright package) is missing; in CI
(``CI=true``) a missing browser is a failure, not a skip.
"""
