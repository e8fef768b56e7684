import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REGION_LEVELS } from '@registry/domain';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

/** One region's counts (aggregates only: what reporting consumers may see). */
export class RegionCountsViewDto {
  @ApiProperty({
    type: 'number',
    nullable: true,
    description: '参保率: covered (here or elsewhere) over household-registered persons not exempt; null with nobody expected',
    example: 0.9731,
  })
  coverageRate: number | null;

  @ApiProperty({ example: '440305' })
  region: string;

  @ApiPropertyOptional({ example: '南山区' })
  name?: string;

  @ApiPropertyOptional({ enum: REGION_LEVELS })
  level?: string;

  @ApiProperty({ type: 'integer', description: 'Household-registered persons' })
  total: number;

  @ApiProperty({ ...COUNTS, description: 'Persons by coverage status (zero counts left out)' })
  coverage: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Exempt persons by reason' })
  exempt: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Persons insured here by insurance type' })
  localTypes: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Persons by coverage flag' })
  flags: Record<string, number>;
}

export class RegionCountsDto extends RegionCountsViewDto {
  @ApiProperty({ type: [RegionCountsViewDto], description: 'Each region one level below (none below townships)' })
  children: RegionCountsViewDto[];
}
