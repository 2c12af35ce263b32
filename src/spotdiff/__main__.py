from spotdiff.cli import main

raise SystemExit(main())
