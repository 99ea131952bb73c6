"""The web preview: every render in one page, served on this machine.

Takes the renders folder (each render's `script.json`, MP4, captions and chapters).
`preview.py` writes `index.html` (posters, players with captions and chapters, the script
beside each, every value escaped for where it stands) and serves the folder on 127.0.0.1
with Starlette and uvicorn: Range requests answered (so players seek), only regular files
inside the folder, a 4xx for a bad request. Hands on nothing: this is where a person looks.
"""
