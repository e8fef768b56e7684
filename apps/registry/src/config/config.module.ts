import { Global, Module } from '@nestjs/common';
import { AppConfig, applyHeapGrowth, loadConfig } from './app-config';

/**
 * Provides the validated AppConfig. Tests pass their own values through
 * `ConfigModule.forValues`, production reads process.env once at start and applies what is
 * the process's (HEAP_GROWING_PERCENT) then.
 */
function productionConfig(): AppConfig {
  const config = loadConfig();
  applyHeapGrowth(config);
  return config;
}

@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: productionConfig }],
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
