// The real DockerHost: NodeHost plus the koffi worker of docker's tests.

import { Worker } from 'node:worker_threads';
import { NodeHost } from '../host/node-host.js';
import type { DockerHost } from './live.js';
import type { DockerFfiResults } from './types.js';

export class NodeDockerHost extends NodeHost implements DockerHost {
  dockerFfi(input: { scratch: string; arch: string }): Promise<DockerFfiResults> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./ffi-worker.js', import.meta.url), { workerData: input, stdout: false, stderr: false });
      let answered = false;
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error('the docker tests through koffi took over 15 s'));
      }, 15000);
      worker.once('message', (m: { ok: true; results: DockerFfiResults } | { ok: false; error: string }) => {
        answered = true;
        clearTimeout(timer);
        if (m.ok) resolve(m.results);
        else reject(new Error(m.error));
      });
      worker.once('error', (e) => {
        if (!answered) reject(e);
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        if (!answered) reject(new Error(`the koffi worker exited with status ${code} before answering`));
      });
    });
  }
}
