// Chooses and builds the configured sink.

import type { SinkConfig } from '../config';
import { CosSink } from './cos';
import { FaultySink } from './faults';
import { FsSink } from './fs';
import { MysqlSink } from './mysql';
import { PostgresSink } from './postgres';
import type { Sink } from './sink';

export function createSink(config: SinkConfig): Sink {
  const sink = buildSink(config);
  return config.faults && config.faults.length > 0 ? new FaultySink(sink, config.faults) : sink;
}

function buildSink(config: SinkConfig): Sink {
  switch (config.kind) {
    case 'fs':
      return new FsSink(config.dir);
    case 'cos':
      return new CosSink(config);
    case 'mysql':
      return new MysqlSink(config);
    case 'postgres':
      return new PostgresSink(config);
  }
}
