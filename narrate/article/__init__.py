"""Stage 1, the article: read a file and plan its scenes.

Takes an article file (plain text, Markdown with front matter, or a saved HTML page), checks it
against narrate's limits (`narrate/limits.py`), and reads it into an `Article` (title, byline,
date, lede, sections, language, the article's own settings): `read.read_article`. Then plans
it into a `Script`, the scene plan that `narrate script` prints and a user may edit: an
opening scene, then one per heading (`plan.plan_scenes`). Hands on the `Script`. Sentence
splitting (`sentences.py`) lives here too, since speech and captions both cut at sentences.

Each scene of the plan also holds its paragraphs, quotations, lists and figures; figures are
resolved and checked (`figures.check_figures`) when a plan is loaded.

Modules: `read.py` (files, encodings, limits), `blocks.py` (the format parsers' common
`Blocks`), `text.py`, `markdown.py`, `webpage.py` (one parser per format), `language.py`,
`quotes.py` (quotations and who said them), `plan.py`, `figures.py` (image files checked).
"""
