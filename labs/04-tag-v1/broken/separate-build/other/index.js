// A later edit of the app, built on its own as v1.0.0.
const express = require('express');

const app = express();
app.get('/', (req, res) => res.send('Hello World, version one'));
app.listen(3000, () => console.log('Server is running on port 3000'));
