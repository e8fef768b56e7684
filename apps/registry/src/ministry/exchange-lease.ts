import { Inject, Injectable } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { LeasedRuns } from '../common/leased-runs';
import { AppConfig } from '../config/app-config';

/**
 * One exchange run (upload, download) at a time across all instances: several stateless
 * instances would otherwise upload the same positions in parallel. The leases are
 * `ministry:<name>`, held and renewed as LeasedRuns describes.
 */
@Injectable()
export class ExchangeLease extends LeasedRuns {
  constructor(@Inject(READ_STORE) reads: ReadStore, config: AppConfig) {
    super(reads, config, 'ministry:');
  }
}
