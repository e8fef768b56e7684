import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PersonsModule } from '../persons/persons.module';
import { Clock } from '../common/clock';
import { describeUnexpectedError } from '../common/redact';
import { PhoneVerificationService } from './phone-verification.service';
import { RateLimits } from './rate-limits';
import { PublicController, SelfServiceReviewsController } from './self-service.controllers';
import { ExecuteSubmissionCommandsHandler, ExecuteVerificationCommandsHandler, SelfServiceStreams } from './self-service-aggregates';
import { SelfServiceService } from './self-service.service';

const SWEEP_MS = 3600_000;

/**
 * Self-service registration on every channel: phone codes, submissions, the county review
 * queue and the citizens' status query. Its read model (submissions) is in the registry's
 * projection catalogue.
 */
@Module({
  imports: [PersonsModule],
  controllers: [PublicController, SelfServiceReviewsController],
  providers: [
    SelfServiceStreams,
    ExecuteSubmissionCommandsHandler,
    ExecuteVerificationCommandsHandler,
    RateLimits,
    PhoneVerificationService,
    SelfServiceService,
  ],
  exports: [SelfServiceService, PhoneVerificationService],
})
export class SelfServiceModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (process.env.REGISTRY_CLI === '1') return;
    const logger = new Logger('SelfService');
    this.sweeper = setInterval(() => {
      this.limits
        .sweep(this.clock.now().getTime())
        .catch((error: unknown) => logger.warn(`rate-limit sweep failed: ${describeUnexpectedError(error)}`));
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
