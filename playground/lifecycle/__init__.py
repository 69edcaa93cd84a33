"""Part 4, the LLM lifecycle: what each model is and needs (the Models panel); pre-training,
fine-tuning, preferences, RAG, experts and hardware land here."""
