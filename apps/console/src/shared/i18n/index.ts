import { createI18n } from 'vue-i18n';
import zhCN from './zh-CN';

/** The messages' shape is zh-CN's: another language must provide the same keys (or fall back to them). */
export type Messages = typeof zhCN;

export const LOCALES = { 'zh-CN': zhCN } satisfies Record<string, Messages>;
export type Locale = keyof typeof LOCALES;

export const i18n = createI18n<[Messages], Locale>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: LOCALES,
  // Codes the tables do not name yet are shown as the code itself, not as a warning.
  missingWarn: false,
  fallbackWarn: false,
});

/** A code table's label for a code, or the code when the table lacks it (a code newer than the page). */
export function label(table: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  const key = `${table}.${code}`;
  return i18n.global.te(key) ? i18n.global.t(key) : code;
}

/**
 * A coverage evidence or anomaly code: the fixed ones from the table, the ones that carry a
 * value (ENROLLED_390, ENROLLED_IN_45, EXEMPTION_RECORDED_IMPRISONED) spelled out.
 */
export function evidence(code: string): string {
  const t = i18n.global.t;
  let m = /^ENROLLED_(\d{3})$/.exec(code);
  if (m) return t('codes.ENROLLED', { type: m[1], name: label('insuranceType', m[1]) });
  m = /^ENROLLED_IN_(\d{2})$/.exec(code);
  if (m) return t('codes.ENROLLED_IN', { province: m[1] });
  m = /^EXEMPTION_RECORDED_([A-Z_]+)$/.exec(code);
  if (m) return t('codes.EXEMPTION_RECORDED', { reason: label('exemption', m[1].toLowerCase().replace(/_/g, '-')) });
  return label('codes', code);
}

/** The message for an API error code, or a generic one naming it. */
export function errorText(code: string): string {
  const key = `errors.${code}`;
  return i18n.global.te(key) ? i18n.global.t(key) : i18n.global.t('errors.unknown', { code });
}
