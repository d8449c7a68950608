"""FitGuru's static server: files from static/, with a header naming the server."""
import os

from flask import Flask, send_from_directory

SERVER_NAME = os.environ.get("SERVER_NAME", "static")

app = Flask(__name__, static_folder=None)


@app.route("/static/<path:filename>")
def static_file(filename):
    return send_from_directory("static", filename)


@app.route("/health")
def health():
    return "ok"


@app.after_request
def name_the_server(response):
    # The balancer's checks read this to see which server answered.
    response.headers["X-Served-By"] = SERVER_NAME
    return response


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5001")))
