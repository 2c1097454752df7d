"""`python -m app.sandbox`: serve the WeChat sandbox on its own."""

from app.dev.sandbox.server import main

main()
