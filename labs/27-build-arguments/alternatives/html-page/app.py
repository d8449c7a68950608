import os
from flask import Flask

app = Flask(__name__)


@app.route('/')
def hello_world():
    return f"<h1>{os.getenv('GREETING')}</h1>\n"


if __name__ == '__main__':
    app.run(host='0.0.0.0', port=5000)
