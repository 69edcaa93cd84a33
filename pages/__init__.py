"""One module per tab. Each has TAB_ID and build(lang) -> gr.Tab, called inside gr.Tabs."""
