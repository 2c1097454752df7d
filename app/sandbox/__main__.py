"""`python -m app.sandbox`: serve the WeChat sandbox on its own."""

from app.sandbox.server import main

main()
