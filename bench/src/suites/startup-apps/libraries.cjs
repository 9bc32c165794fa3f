// Startup bench app: express with pg, ioredis and kafkajs loaded and their clients created (not connected: startup
// is measured to the first listening socket, without any server to talk to).
const { writeSync } = require('node:fs');
const express = require('express');
const { Pool } = require('pg');
const Redis = require('ioredis');
const { Kafka } = require('kafkajs');

const pool = new Pool({ host: '127.0.0.1', port: 1 });
const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true });
const producer = new Kafka({ clientId: 'bench', brokers: ['127.0.0.1:1'], logLevel: 0 }).producer();
const app = express();
app.get('/hello', (_request, response) => response.send('hello'));
const server = app.listen(0, '127.0.0.1', () => writeSync(Number(process.env.BENCH_READY_FD), `listening ${server.address().port}\n`));
module.exports = { pool, redis, producer };
