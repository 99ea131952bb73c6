from narrate.cli import main

raise SystemExit(main())
