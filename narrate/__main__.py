from narrate.cli import run

run()
