"""The operator chat's skill routing: intents (data), the offline classifier, replies and skill adapters."""
