// A tiny web app: answers "Hello World" on port 3000.
const express = require('express');

const app = express();
const port = Number(process.env.PORT || 3000);

app.get('/', (req, res) => {
  res.send('Hello World');
});

// No host argument: Express listens on every address, which a container needs
// so that traffic arriving through a published port reaches the app.
app.listen(port, () => {
  console.log(`Server is running on port ${port}`);
});
