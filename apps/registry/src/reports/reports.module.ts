import { Module } from '@nestjs/common';
import { CoverageService } from './coverage.service';
import { DataQualityService } from './data-quality.service';
import { CoverageReportsController } from './reports.controller';

/** Coverage (now, as of a past day, change since) and data-quality reports, with small-count suppression and exports. */
@Module({ controllers: [CoverageReportsController], providers: [CoverageService, DataQualityService], exports: [CoverageService] })
export class ReportsModule {}
