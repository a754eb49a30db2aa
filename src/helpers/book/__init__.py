"""The book machinery (build, command line, cache, report, bench); nothing imports it."""
