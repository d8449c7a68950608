const express = require('express');

const app = express();

app.get('/', (req, res) => res.send('Hello World'));

// Bound to the loopback address of the container only.
app.listen(3000, '127.0.0.1', () => console.log('listening on 127.0.0.1:3000'));
