"""LLM-backed workers (pydantic-ai agents with typed outputs and validators) and their offline twins."""
