"""A small Flask app that says what reached it, to test a reverse proxy in front of it."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello World from Flask"


@app.route("/whoami")
def whoami():
    # What the app sees of the request: the peer that connected to it, and
    # the headers a proxy may have added about the original client.
    return jsonify(
        peer=request.remote_addr,
        host=request.headers.get("Host"),
        x_forwarded_for=request.headers.get("X-Forwarded-For"),
        x_real_ip=request.headers.get("X-Real-IP"),
    )


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
