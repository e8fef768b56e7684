import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { REGION_LEVELS, RegionLevel, displayRegionCode, regionLevelOfCode } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { RegionCountsDto } from './dto/reports.responses';
import { PERSONS_PROJECTION, REGION_COUNTS_COLLECTION } from './projections/persons.projection';
import { RegionCountsDocument, localTypeCounts } from './projections/region-counts';

class RegionCountsQueryDto {
  @ApiPropertyOptional({
    description: 'Region (440000 or 44 for a province, 440100 or 4401 for a city, 6 or 9 digits below); default the caller’s region',
    pattern: '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$',
  })
  @IsOptional()
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;
}

/** 参保率: covered (here or elsewhere) over household-registered persons who are not exempt. */
export function coverageRate(doc: RegionCountsDocument | null): number | null {
  if (!doc) return null;
  const covered = (doc.coverage['insured-local'] ?? 0) + (doc.coverage['insured-elsewhere'] ?? 0);
  const expected = doc.total - (doc.coverage.exempt ?? 0);
  return expected > 0 ? Math.round((covered / expected) * 10000) / 10000 : null;
}

function view(doc: RegionCountsDocument | null, code: string, name: string | undefined) {
  return {
    coverageRate: coverageRate(doc),
    region: displayRegionCode(code),
    name,
    level: doc?.level ?? regionLevelOfCode(code),
    total: doc?.total ?? 0,
    coverage: nonZero(doc?.coverage),
    exempt: nonZero(doc?.exempt),
    localTypes: nonZero(doc ? localTypeCounts(doc) : undefined),
    flags: nonZero(doc?.flags),
  };
}

/** Counters that dropped back to zero are kept in the documents (cheaper to update); not shown. */
function nonZero(counter: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(counter ?? {}).filter(([, n]) => n !== 0));
}

/** Aggregates only: what reporting consumers may see. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
  ) {}

  @Get('region-counts')
  @RequirePermission('report:read')
  @ApiOperation({
    summary: 'Persons by coverage status, exemption reason, local insurance type and flag for a region and each region one level below',
  })
  @ApiOkResponse({ type: RegionCountsDto })
  @ApiProblems(400, 401, 403, 431)
  async regionCounts(@Caller() caller: Principal, @Query() query: RegionCountsQueryDto): Promise<RegionCountsDto> {
    const region = query.region === undefined ? caller.regionPrefix : this.reference.regionParam(query.region, 'region');
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const level = regionLevelOfCode(region);
    const childLevel: RegionLevel | undefined = level ? REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1] : undefined;
    let docs: RegionCountsDocument[] = [];
    let self: RegionCountsDocument | null = null;
    try {
      const collection = await this.projections.collection<RegionCountsDocument>(PERSONS_PROJECTION, REGION_COUNTS_COLLECTION);
      self = await collection.get(region);
      if (childLevel && childLevel !== 'village') {
        let cursor: string | undefined;
        do {
          const page = await collection.find({ _id: { prefix: region }, level: childLevel }, { sort: [['_id', 1]], limit: 1000, cursor });
          docs = docs.concat(page.items);
          cursor = page.nextCursor;
        } while (cursor);
      }
    } catch (error) {
      if (!(error instanceof ReadModelNotReadyError)) throw error;
    }
    const nameOf = (code: string) => this.reference.regions.get(code)?.name;
    return { ...view(self, region, nameOf(region)), children: docs.map((d) => view(d, d._id, nameOf(d._id))) };
  }
}
