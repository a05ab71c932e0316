"""Small Sphinx fixes so the built book loads without console errors, offline.

- sphinx-thebe's inline configuration script is registered twice under Jupyter Book 1, which makes
  the browser report "Identifier 'THEBE_JS_URL' has already been declared": keep one copy of each script.
- pydata-sphinx-theme logs "Got invalid theme mode" when the page has no default colour mode
  (sphinx-book-theme does not pass one on): give every page one.
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)  # one copy has filename None, one ""
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    context.setdefault("default_mode", "light")


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
