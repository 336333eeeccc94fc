// One contender of the end-to-end benchmark, in its own process: a Koa server on 127.0.0.1 whose
// handler reads and rewrites the session on every request. Argument: contender name. Tells its
// parent its port, answers 'cpu' with its CPU time so far (µs).
import { sessionApp } from './session-apps.mjs';

const server = sessionApp(process.argv[2]).listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
});
// An orderly exit, so that `--cpu-prof` writes its profile (benches/profile-e2e.mjs).
process.on('SIGINT', () => process.exit(0));
