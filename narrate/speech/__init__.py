"""Stage 2, speech: say each scene's narration, sentence by sentence, and measure it.

Takes the `Script` and the render's `Settings`. Each sentence's spoken form is made from its
written form (`spoken.py`, with the rules of each language in `say_en.py` and `say_de.py`:
numbers, money, dates, capitals, abbreviations, the lexicon), said by a `TTSEngine`
(`engine.py`: the protocol, the engine registry, voice lookup, the sanity check of a WAV;
`espeak.py`: pyttsx3 on espeak-ng, the default; `piper.py`: the neural Piper voice, an
optional extra), trimmed and brought to -16 LUFS (`loudness.py`), and cached as a clip
(`clips.py`). `speak.py` joins a scene's clips with their pauses into one WAV and hands on a
`Speech` per scene: the WAV, its measured length, and when each sentence and word is heard.
`timing.py` turns the speeches into scene times on the video's frames (`time_scenes`).

Speed: the engine runs in a worker process forked as the command starts (`worker.py`), so
the engine (espeak-ng or Piper) and numpy load, and sentences are said, on the other core
while this process reads the article and draws pictures.
"""
