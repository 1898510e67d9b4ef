"""What drives the real app from outside: serve.py starts it as the README says (on a free port,
healthy) and finds Debian's Chromium; browsing.py reads a page in that browser (idle, errors, a
plot's data). Shared by the browser tests (tests/e2e) and the benchmarks."""
