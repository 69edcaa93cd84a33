"""GenAI Playground's library: model backends and pure computation. Never imports gradio."""
