import { Controller, Get, Module, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { displayRegionCode, type RegionEntry } from '@registry/domain';
import { Public } from '../auth/auth.decorators';
import { ApiProblems } from '../common/api-responses';
import { ReferenceData } from './reference-data.module';

class RegionsQueryDto {
  @ApiPropertyOptional({
    description: 'The region whose children to list (default: the province)',
    pattern: '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$',
  })
  @IsOptional()
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'parent must be a 2, 4, 6 or 9 digit division code' })
  parent?: string;
}

export class RegionDto {
  @ApiProperty({ description: 'As users write it: six digits for a province or city, the code itself below', example: '440305' })
  code: string;

  @ApiProperty({ example: '南山区' })
  name: string;

  @ApiProperty({ enum: ['province', 'city', 'county', 'township', 'village'] })
  level: string;
}

export class RegionChildrenDto {
  @ApiProperty({ type: RegionDto })
  parent: RegionDto;

  @ApiProperty({ type: [RegionDto], description: 'The regions one level below, in code order (empty below townships)' })
  children: RegionDto[];
}

/**
 * The division tables, one level at a time: reference data, not personal, so public. The
 * citizens' page picks a residence with it, the console names the regions of a drill-down.
 */
@ApiTags('reference')
@Controller('v1/regions')
export class RegionsController {
  constructor(private readonly reference: ReferenceData) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'A region and the regions one level below it (province → cities → counties → townships)' })
  @ApiOkResponse({ type: RegionChildrenDto })
  @ApiProblems({ status: 400, description: '`VALIDATION_FAILED`, `REGION_UNKNOWN`' }, 431)
  children(@Query() query: RegionsQueryDto): RegionChildrenDto {
    const code = query.parent === undefined ? this.reference.provinceCode : this.reference.regionParam(query.parent, 'parent');
    const parent = this.reference.regions.get(code)!;
    return { parent: view(parent), children: this.reference.regions.children(code).map(view) };
  }
}

function view(entry: RegionEntry): RegionDto {
  return { code: displayRegionCode(entry.code), name: entry.name, level: entry.level };
}

@Module({ controllers: [RegionsController] })
export class RegionsModule {}
