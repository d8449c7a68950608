// A small Node app that keeps items in MongoDB, at the address its container had.
const express = require('express');
const mongoose = require('mongoose');

// The address that `docker inspect mongodb` showed.
const MONGO_URL = 'mongodb://172.16.238.2:27017/mydatabase';
const PORT = 3000;

const Item = mongoose.model('Item', new mongoose.Schema({ name: { type: String, required: true } }));

const app = express();
app.use(express.json());

app.post('/items', async (req, res) => {
  if (!req.body || typeof req.body.name !== 'string') return res.status(400).json({ error: 'send JSON with a "name" field' });
  res.status(201).json(await Item.create({ name: req.body.name }));
});

app.get('/items/:id', async (req, res) => {
  const item = mongoose.isValidObjectId(req.params.id) ? await Item.findById(req.params.id).lean() : null;
  if (!item) return res.status(404).json({ error: 'no such item' });
  res.json(item);
});

app.get('/items', async (req, res) => {
  res.json(await Item.find().lean());
});

// MongoDB may still be starting: try again every second until it answers.
async function connect() {
  for (;;) {
    try {
      await mongoose.connect(MONGO_URL, { serverSelectionTimeoutMS: 3000 });
      console.log('Connected to MongoDB');
      return;
    } catch (error) {
      console.log(`Could not connect to ${MONGO_URL}: ${error.message}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

connect().then(() => app.listen(PORT, '0.0.0.0', () => console.log(`Listening on port ${PORT}`)));
process.on('SIGTERM', () => process.exit(0));
