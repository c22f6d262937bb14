"""The FastAPI box office over holdfast: see app.py for the routes and README.md to run it."""
