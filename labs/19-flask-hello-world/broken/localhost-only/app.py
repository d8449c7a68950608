from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello World"


if __name__ == "__main__":
    # Only the container's own loopback address: unreachable from outside.
    app.run(host="127.0.0.1", port=5000)
