"""The studio: every render in the browser, served on this machine, to watch, edit and render.

Takes the renders folder (each render's `script.json`, MP4, captions and chapters).
`library.py` finds the stories and their variants (shapes); `gallery.py` and `story.py` write
the pages (every value escaped for where it stands; `look.py` holds their style and scripts);
`studio.py` saves a story's edited plan as its script.json and renders it with the render
function the command line hands in (web/ never imports the pipeline); `server.py` serves it
all with Starlette and uvicorn on 127.0.0.1, behind `safety.py` (the address, the origin, sizes).
"""
