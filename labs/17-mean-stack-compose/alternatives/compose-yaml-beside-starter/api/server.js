// The API of the MEAN lab: notes kept in MongoDB, under /api.
const express = require('express');
const mongoose = require('mongoose');

const MONGO_URL = process.env.MONGO_URL || 'mongodb://mongo:27017/meanlab';
const PORT = Number(process.env.PORT || 3000);

const Note = mongoose.model('Note', new mongoose.Schema({ text: { type: String, required: true } }, { timestamps: true }));

const app = express();
app.use(express.json());

app.get('/api/health', (req, res) => {
  res.json({ ok: mongoose.connection.readyState === 1 });
});

app.get('/api/notes', async (req, res) => {
  res.json(await Note.find().sort({ createdAt: 1 }).lean());
});

app.post('/api/notes', async (req, res) => {
  if (!req.body || typeof req.body.text !== 'string' || !req.body.text.trim()) {
    return res.status(400).json({ error: 'send JSON with a "text" field' });
  }
  const note = await Note.create({ text: req.body.text });
  res.status(201).json(note);
});

app.get('/api/notes/:id', async (req, res) => {
  const note = mongoose.isValidObjectId(req.params.id) ? await Note.findById(req.params.id).lean() : null;
  if (!note) return res.status(404).json({ error: 'no such note' });
  res.json(note);
});

// The database may start after the API: try again until it answers.
async function connect() {
  for (;;) {
    try {
      await mongoose.connect(MONGO_URL, { serverSelectionTimeoutMS: 3000 });
      console.log(`Connected to MongoDB at ${MONGO_URL}`);
      return;
    } catch (error) {
      console.log(`MongoDB not reachable yet (${error.message}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

connect().then(() => {
  app.listen(PORT, '0.0.0.0', () => console.log(`API listening on port ${PORT}`));
});

process.on('SIGTERM', () => {
  mongoose.disconnect().finally(() => process.exit(0));
});
