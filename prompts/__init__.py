"""Prompt and message templates as files (Arabic first, English second), read by one loader."""

from prompts.loader import PromptError, PromptRef, PromptTemplate, get_prompt, load_prompts

__all__ = ["PromptError", "PromptRef", "PromptTemplate", "get_prompt", "load_prompts"]
