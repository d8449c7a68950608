"""A tiny web app: answers with the greeting the image was built with, on port 5000."""
import os

from flask import Flask

app = Flask(__name__)

# The image sets GREETING in the environment from its build argument.
GREETING = os.environ.get("GREETING", "(no greeting was set when the image was built)")


@app.route("/")
def hello():
    return GREETING


if __name__ == "__main__":
    # 0.0.0.0: every address in the container, so a published port reaches the app.
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
