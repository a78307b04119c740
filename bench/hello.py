"""The yardstick: a hello-world Flask app, served by gunicorn exactly like the portal.

gunicorn --pythonpath bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
