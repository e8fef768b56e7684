import { Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

/**
 * Provides the validated AppConfig. Tests pass their own values through
 * `ConfigModule.forValues`, production reads process.env once at start.
 */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => loadConfig() }],
  exports: [AppConfig],
})
export class ConfigModule {
  static forValues(env: Record<string, string | undefined>) {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: AppConfig, useFactory: () => loadConfig(env) }],
      exports: [AppConfig],
    };
  }
}
