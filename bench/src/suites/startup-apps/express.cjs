// Startup bench app: express only. Announces its port on BENCH_READY_FD once it listens (see ../../apps/ready.ts).
const { writeSync } = require('node:fs');
const express = require('express');

const app = express();
app.get('/hello', (_request, response) => response.send('hello'));
const server = app.listen(0, '127.0.0.1', () => writeSync(Number(process.env.BENCH_READY_FD), `listening ${server.address().port}\n`));
