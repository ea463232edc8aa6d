"""The baseline for web benchmarks: a bare Flask endpoint served with the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello"
