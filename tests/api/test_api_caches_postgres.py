"""The key cache and the card feed cache on PostgreSQL: the same tests as on SQLite, the change signal in place
of ``data_version`` (tools.pg_signal).

The tests are imported from the SQLite modules and collected here again; this module's ``settings``
points every store at ``DEALIX_TEST_POSTGRES_URL`` (skipped when unset) and waits for this process's
listener first, so a cache that could be used is used from the first request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import make_settings

# The SQLite tests, re-collected in this module so that they use the PostgreSQL ``settings`` below.
from test_api_feed_cache import (  # noqa: F401
    test_a_decision_through_the_api_closes_its_card_on_the_next_feed,
    test_a_new_approval_from_another_process_appears_on_the_next_feed,
    test_a_refresh_that_fails_keeps_the_feed_and_is_retried_until_twice_max_age,
    test_a_sync_that_wrote_settles_at_once_so_the_next_callers_are_served_from_the_cache,
    test_a_write_sends_callers_to_render_however_young_the_feed,
    test_each_tenant_and_role_gets_its_own_feed,
    test_every_cached_answer_takes_a_rate_limit_token,
    test_past_max_age_the_feed_route_refreshes_in_the_background,
    test_the_cached_answer_is_the_routes_answer,
    test_the_feed_syncs_only_when_the_store_changed,
    test_when_only_time_passed_every_caller_keeps_the_feed_while_one_refresh_runs_in_the_background,
)
from test_api_key_cache import (  # noqa: F401
    test_a_known_key_is_answered_from_memory_until_the_store_changes,
    test_a_revocation_by_another_process_is_seen_at_once,
    test_a_revoked_key_is_refused_on_the_next_request,
    test_one_cache_per_store,
    test_only_verified_keys_are_kept_and_never_in_plain,
    test_the_memory_only_lookup_never_answers_for_an_unverified_or_changed_store,
)

from dealix.settings import Settings
from tools.pg_signal import change_signal
from tools.pgdb import drop_schemas

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """As the SQLite feed tests' (no refresh by age unless a test asks), with every store in PostgreSQL."""
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    monkeypatch.setenv("DEALIX_DATABASE_URL", URL)
    assert change_signal(URL).wait_ready(10.0)
    yield make_settings(tmp_path, card_feed_max_age_seconds=3600)
    drop_schemas(URL, tmp_path / "data")
