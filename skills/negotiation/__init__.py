"""The negotiation engine: objection classifier, reply rules, close plan, and the coach that combines them.

Entry points: :func:`skills.negotiation.classifier.classify`, :class:`skills.negotiation.coach.NegotiationCoach`
(built by :mod:`skills.negotiation.factory`), :func:`skills.negotiation.dataset.load_negotiation_dataset`.
See ``docs/negotiation.md``.
"""
