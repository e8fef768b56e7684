import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule, AuditRecordingModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { GracefulShutdown } from './common/graceful-shutdown';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { loggerParams } from './infrastructure/logging';
import { StorageModule } from './infrastructure/storage.module';
import { HttpMetricsInterceptor } from './metrics/http-metrics.interceptor';
import { MetricsModule } from './metrics/metrics.module';
import { MinistryModule } from './ministry/ministry.module';
import { ComparisonModule } from './comparison/comparison.module';
import { ImportsModule } from './imports/imports.module';
import { PersonsModule } from './persons/persons.module';
import { ProjectionsModule } from './projections/projections.module';
import { ReferenceDataModule } from './reference/reference-data.module';
import { ChannelSessionsModule } from './console/channel-sessions.controller';
import { RegionsModule } from './reference/regions.controller';
import { ReportsModule } from './reports/reports.module';
import { ClockModule } from './common/clock';
import { NotificationsModule } from './notifications/notifications.module';
import { RemindersModule } from './reminders/reminders.module';
import { SelfServiceModule } from './self-service/self-service.module';
import { SurveyModule } from './survey/survey.module';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => loggerParams(config.LOG_LEVEL, config.LOG_FILE) }),
    CqrsModule.forRoot(),
    StorageModule,
    AuthModule,
    MetricsModule,
    ReferenceDataModule,
    ProjectionsModule,
    AuditRecordingModule,
    HealthModule,
    PersonsModule,
    ImportsModule,
    MinistryModule,
    ComparisonModule,
    AuditModule,
    ReportsModule,
    ClockModule,
    NotificationsModule,
    SelfServiceModule,
    RemindersModule,
    SurveyModule,
    RegionsModule,
    ChannelSessionsModule,
  ],
  providers: [{ provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor }, GracefulShutdown],
})
export class AppModule {}
