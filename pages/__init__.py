"""One module per tab.

Each page module has:
- TAB_ID: the id used in links (`?tab=<TAB_ID>`) and in the strings key `tab_<TAB_ID>`;
- build(lang) -> gr.Tab: builds the tab inside the app's gr.Tabs. `lang` is the app's
  ES / EN radio: pass it as the *last* input of every event, and add `lang.change` to the
  triggers of events whose output contains text computed in Python, so a language switch
  redraws it.
Handlers are thin: decorated with pages.common.guard (last argument is the language), they
validate with playground.core.validate, call one playground function, and return its figures.
Every public event has an api_name. Static strings go through pages.common.I18N("key"),
with the key's Spanish and English in assets/i18n/<topic>.json.
Register a new page in app.PAGES.
"""
