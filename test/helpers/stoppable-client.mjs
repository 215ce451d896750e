// A WebSocket client in its own process, so a test can freeze it with SIGSTOP
// (a half-open peer: its socket stays open but nothing is read or answered).
// Prints "ready" once it has the snapshot and "closed <code> <reason>" at the end.
import WebSocket from 'ws';

const ws = new WebSocket(process.argv[2]);
let ready = false;
ws.on('message', (data) => {
  const msg = JSON.parse(data.toString());
  if (msg.type === 'snapshot' && !ready) {
    ready = true;
    process.stdout.write('ready\n');
  }
});
ws.on('close', (code, reason) => {
  process.stdout.write(`closed ${code} ${reason.toString()}\n`);
  process.exit(0);
});
ws.on('error', (err) => {
  process.stdout.write(`error ${err.message}\n`);
});
