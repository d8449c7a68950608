"""FitGuru's dynamic server: the home page, a JSON API, and an echo of request headers."""
import os

from flask import Flask, jsonify, request

SERVER_NAME = os.environ.get("SERVER_NAME", "dynamic")

app = Flask(__name__)


@app.route("/")
def home():
    return "FitGuru: welcome, let's get moving!"


@app.route("/api/data")
def api_data():
    return jsonify(workouts=["squats", "push-ups", "plank"], server=SERVER_NAME)


@app.route("/headers")
def headers():
    # What this server received: a balancer terminating TLS talks plain HTTP
    # to it and says so in X-Forwarded-Proto.
    return jsonify(scheme=request.scheme, peer=request.remote_addr, headers=dict(request.headers))


@app.route("/health")
def health():
    return "ok"


@app.after_request
def name_the_server(response):
    response.headers["X-Served-By"] = SERVER_NAME
    return response


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5002")))
