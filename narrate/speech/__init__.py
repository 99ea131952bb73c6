"""Stage 2, speech: say each scene's narration, sentence by sentence, and measure it.

Takes the `Script` and the render's `Settings`. Each sentence's spoken form is made from its
written form (`spoken.py`: numbers, abbreviations, the lexicon), said by a `TTSEngine`
(`engine.py`: the protocol, voice lookup, the sanity check of a WAV; `espeak.py`: pyttsx3 on
espeak-ng), trimmed and brought to -16 LUFS (`loudness.py`), and cached as a clip
(`clips.py`). `speak.py` joins a scene's clips with their pauses into one WAV and hands on a
`Speech` per scene: the WAV, its measured length, and when each sentence and word is heard.
`timing.py` turns the speeches into scene times on the video's frames (`time_scenes`).

Speed: the default engine runs in a worker process forked as the command starts
(`worker.py`), so espeak-ng and numpy load and sentences are said on the other core while
this process reads the article and draws pictures.
"""
