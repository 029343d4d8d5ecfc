"""The bulk consent lookup targeting uses must say exactly what the per-contact lookup says."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.consent import ConsentRecord, ConsentRegistry, address_pseudonym
from tools.models import Channel
from tools.store import Store

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
KEY = b"k" * 32
ADDRESS = "addr:+966501234567"
events = st.lists(
    st.tuples(st.sampled_from(["t1", "t2"]),
              st.sampled_from(["c1", "c2", "c3", ADDRESS, address_pseudonym(KEY, ADDRESS)]),
              st.sampled_from([Channel.whatsapp, Channel.email, Channel.all]), st.sampled_from(["opt_in", "opt_out"]),
              st.one_of(st.none(), st.integers(0, 5))),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(events)
def test_bulk_states_equal_one_by_one_states_for_any_history(history: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        registry = ConsentRegistry(Store(Path(tmp) / "c.db"))
        for n, (tenant, contact, channel, status, cap) in enumerate(history):
            registry.record(ConsentRecord(tenant=tenant, contact_id=contact, channel=channel, status=status,
                                          source="form", recorded_at=T0 + timedelta(minutes=n), max_per_week=cap))
        ids = ["c1", "c2", "c3", "c-never", ADDRESS]
        for channel in (Channel.whatsapp, Channel.email):
            bulk = registry.states("t1", ids, channel)
            assert bulk == {i: registry.state("t1", i, channel) for i in ids}


@settings(max_examples=60, deadline=None)
@given(events)
def test_every_channel_in_one_query_equals_one_channel_at_a_time(history: list[tuple]) -> None:
    """What a recipient check reads in one query (an address also under the pseudonym an erasure left)."""
    with tempfile.TemporaryDirectory() as tmp:
        registry = ConsentRegistry(Store(Path(tmp) / "c.db"), key=KEY)
        for n, (tenant, contact, channel, status, cap) in enumerate(history):
            registry.record(ConsentRecord(tenant=tenant, contact_id=contact, channel=channel, status=status,
                                          source="form", recorded_at=T0 + timedelta(minutes=n), max_per_week=cap))
        ids = ["c1", "c2", "c3", "c-never", ADDRESS]
        channels = (Channel.whatsapp, Channel.email, Channel.phone)
        together = registry.recorded_states("t1", ids, channels)
        assert set(together) == set(channels)
        for channel in channels:
            one_by_one = {i: registry.state("t1", i, channel) for i in ids}
            assert together[channel] == {i: s for i, s in one_by_one.items() if s.status != "none"}


def test_bulk_states_span_more_contacts_than_one_query_binds(tmp_path: Path) -> None:
    registry = ConsentRegistry(Store(tmp_path / "c.db"))
    ids = [f"c{i}" for i in range(1203)]
    registry.record(ConsentRecord(tenant="t", contact_id="c1202", channel=Channel.whatsapp, status="opt_in",
                                  source="form", recorded_at=T0))
    states = registry.states("t", ids, Channel.whatsapp)
    assert len(states) == 1203
    assert states["c1202"].opted_in and not states["c0"].opted_in
