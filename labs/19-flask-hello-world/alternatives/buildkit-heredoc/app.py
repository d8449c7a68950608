"""A tiny web app: answers "Hello World" on port 5000."""
import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello World"


if __name__ == "__main__":
    # 0.0.0.0: every address in the container, so a published port reaches the app.
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
