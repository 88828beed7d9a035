// Chooses the VOD client for the configured dialect.

import type { VodConfig } from '../config';
import { Api3Client } from './api3/client';
import type { VodClient } from './client';
import { V2Client } from './v2/client';

export function createVodClient(config: VodConfig): VodClient {
  switch (config.api) {
    case 'api3':
      return new Api3Client(config);
    case 'v2':
      return new V2Client(config);
  }
}
