import { Global, Logger, Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { AppConfig } from '../config/app-config';
import { NOTIFICATIONS, NotificationPort } from './notification.port';
import { OutboxNotifier } from './outbox-notifier';
import { SmsGatewayNotifier } from './sms-gateway-notifier';

/** The notification port: the SMS gateway when SMS_GATEWAY_URL is set, else the outbox file under DATA_DIR. */
@Global()
@Module({
  providers: [
    {
      provide: NOTIFICATIONS,
      inject: [AppConfig, READ_STORE],
      useFactory: (config: AppConfig, reads: ReadStore): NotificationPort => {
        const logger = new Logger('Notifications');
        if (!config.SMS_GATEWAY_URL) {
          const outbox = new OutboxNotifier(config.DATA_DIR);
          logger.log(`Messages go to the outbox file ${outbox.path} (SMS_GATEWAY_URL is unset)`);
          return outbox;
        }
        logger.log('Messages go to the SMS gateway (SMS_GATEWAY_URL)');
        return new SmsGatewayNotifier(
          {
            baseUrl: config.SMS_GATEWAY_URL.replace(/\/+$/, ''),
            token: config.SMS_GATEWAY_TOKEN ?? '',
            timeoutMs: config.SMS_GATEWAY_TIMEOUT_MS,
            retries: config.SMS_GATEWAY_RETRIES,
            retryBaseMs: config.SMS_GATEWAY_RETRY_BASE_MS,
            batchSize: config.SMS_GATEWAY_BATCH,
          },
          reads,
        );
      },
    },
  ],
  exports: [NOTIFICATIONS],
})
export class NotificationsModule {}
