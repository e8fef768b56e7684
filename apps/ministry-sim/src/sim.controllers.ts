import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyGuard, MinistryRequest } from './api-key.guard';
import { FaultInjector, FAULT_MODES, FaultMode, FaultSettings } from './faults';
import { MinistryProblem, validationFailed } from './protocol';
import { SeedRecord, SimState } from './sim-state';
import { parseInquiry, parseInteractionsQuery, parseProvince, parseUpload } from './validation';

export const SIM_STATE = Symbol('SIM_STATE');
export const SIM_FAULTS = Symbol('SIM_FAULTS');

/** A key bound to one province may only speak for it. */
function checkProvince(req: Request, province: string): void {
  const bound = (req as MinistryRequest).ministryProvince;
  if (bound !== undefined && bound !== '*' && bound !== province) {
    throw new MinistryProblem(403, 'PROVINCE_MISMATCH', 'The API key is not issued for this province.');
  }
}

function requireJson(req: Request): void {
  if (!req.is('application/json')) throw new MinistryProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json.');
}

@Controller('ministry/v1')
@UseGuards(ApiKeyGuard)
export class ExchangeController {
  constructor(@Inject(SIM_STATE) private readonly state: SimState) {}

  @Post('inquiries')
  @HttpCode(200)
  inquire(@Req() req: Request, @Body() body: unknown) {
    requireJson(req);
    const inquiry = parseInquiry(body);
    checkProvince(req, inquiry.province);
    const results = this.state.inquire(inquiry.province, inquiry.batchId, inquiry.checksum, inquiry.citizenIds);
    return { batchId: inquiry.batchId, province: inquiry.province, results };
  }

  @Post('uploads/:batchId')
  @HttpCode(200)
  upload(@Req() req: Request, @Param('batchId') batchId: string, @Body() body: unknown) {
    requireJson(req);
    const upload = parseUpload(batchId, body);
    checkProvince(req, upload.province);
    const accepted = this.state.acceptUpload(
      upload.province,
      batchId,
      upload.checksum,
      upload.fromPosition,
      upload.toPosition,
      upload.records,
      upload.anchor,
    );
    return {
      batchId,
      acknowledged: true,
      position: accepted.position,
      records: accepted.records,
      duplicate: accepted.duplicate,
      receivedAt: accepted.receivedAt,
    };
  }

  @Get('uploads/progress')
  progress(@Req() req: Request, @Query() query: Record<string, unknown>) {
    const province = parseProvince(query);
    checkProvince(req, province);
    return this.state.progress(province);
  }

  @Get('interactions')
  interactions(@Req() req: Request, @Query() query: Record<string, unknown>) {
    const q = parseInteractionsQuery(query);
    checkProvince(req, q.province);
    return { province: q.province, ...this.state.interactionsAfter(q.province, q.after, q.limit) };
  }
}

/** Simulator-only endpoints (not part of the specification): statistics, faults, seeding. */
@Controller()
export class SimAdminController {
  constructor(
    @Inject(SIM_STATE) private readonly state: SimState,
    @Inject(SIM_FAULTS) private readonly faults: FaultInjector,
  ) {}

  @Get('ministry/v1/uploads/stats')
  stats() {
    return { ...this.state.stats(), ...this.state.inquiryCounts, interactions: this.state.interactionCount };
  }

  @Get('sim/faults')
  fault() {
    return this.faults.state();
  }

  @Post('sim/faults')
  @HttpCode(200)
  setFault(@Body() body: Partial<FaultSettings> | undefined) {
    const mode = body?.mode as FaultMode | undefined;
    const errors = [];
    if (!mode || !FAULT_MODES.includes(mode)) errors.push({ field: 'mode', code: 'INVALID_MODE' });
    for (const f of ['count', 'delayMs'] as const) {
      const v = body?.[f];
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) errors.push({ field: f, code: 'INVALID_NUMBER' });
    }
    const status = body?.status;
    if (status !== undefined && (!Number.isInteger(status) || status < 400 || status > 599))
      errors.push({ field: 'status', code: 'INVALID_STATUS' });
    if (errors.length > 0) throw validationFailed(errors);
    return this.faults.set({ mode: mode!, count: body?.count, delayMs: body?.delayMs, status });
  }

  @Post('sim/seed')
  @HttpCode(200)
  seed(@Body() body: { records?: SeedRecord[] } | undefined) {
    if (!Array.isArray(body?.records)) throw validationFailed([{ field: 'records', code: 'REQUIRED' }]);
    return { added: this.state.seed(body.records), interactions: this.state.interactionCount };
  }

  /** What a province uploaded, without the ID numbers: positions, event ids and types. */
  @Get('sim/uploads')
  uploads(@Query() query: Record<string, unknown>) {
    const province = parseProvince(query);
    return {
      province,
      records: this.state
        .uploadedRecords(province)
        .map((r) => ({ position: r.position, eventId: r.eventId, eventType: r.eventType, personId: r.personId })),
    };
  }

  /** The chain anchors a province sent with its uploads. */
  @Get('sim/anchors')
  anchors(@Query() query: Record<string, unknown>) {
    const province = parseProvince(query);
    return { province, anchors: this.state.anchorsOf(province) };
  }

  @Post('sim/reset-uploads')
  @HttpCode(200)
  resetUploads() {
    this.state.resetUploads();
    return this.state.stats();
  }
}
