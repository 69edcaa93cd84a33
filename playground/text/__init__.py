"""Part 2, language models: tokens, embeddings, attention, positions, the KV cache, fill in
the blank, next-token generation and chat. Every model comes from `playground.backends`."""
