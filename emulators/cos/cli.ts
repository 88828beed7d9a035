// Runs the COS stand-in as its own process: `tsx emulators/cos/cli.ts --port 9200 [--token T]`.
// Prints one JSON line with its URL and bucket, then serves until interrupted.

import { parseArgs } from 'node:util';
import { CosStandIn } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      bucket: { type: 'string' },
      'secret-id': { type: 'string' },
      'secret-key': { type: 'string' },
      token: { type: 'string' },
      // A parent test process holds our stdin: when it goes away, so do we.
      'exit-with-stdin': { type: 'boolean', default: false },
    },
  });

  const standIn = await CosStandIn.start({
    port: Number(values.port),
    bucket: values.bucket,
    secretId: values['secret-id'],
    secretKey: values['secret-key'],
    token: values.token,
  });

  console.log(JSON.stringify({
    event: 'cos_standin_listening',
    url: standIn.url,
    bucket: standIn.bucket,
    temporaryKeys: values.token !== undefined,
  }));
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (values['exit-with-stdin']) {
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  const message = (error as Error).message;
  console.error(JSON.stringify({ event: 'cos_standin_failed', message }));
  process.exit(1);
});
