import {
  ReminderRulesError,
  closingWindow,
  inQuietHours,
  localTime,
  monthsBefore,
  parseReminderRules,
  periodKey,
  reminderText,
  windowFor,
} from './reminder-rules';

const rules = {
  timeZone: 'Asia/Shanghai',
  quietHours: { start: '21:00', end: '08:00' },
  maxPerPerson: 2,
  rules: [
    { id: 'uninsured-invitation', kind: 'uninsured', text: '您尚未参保' },
    { id: 'suspended', kind: 'contributions-suspended', months: 3, insuranceTypes: ['390'], text: '暂停缴费已满{months}个月' },
    {
      id: 'window',
      kind: 'contribution-window',
      insuranceTypes: ['390', '170'],
      daysBefore: 30,
      windows: { '44': { opens: '09-01', closes: '12-31' }, default: { opens: '10-01', closes: '02-28' } },
      text: '缴费期将于{closes}截止',
    },
    {
      id: 'refusals',
      kind: 'survey-refusal',
      months: 6,
      period: 'year',
      readModel: {
        projection: 'surveys',
        collection: 'survey_tasks',
        personField: 'personId',
        outcomeField: 'outcome',
        refusedValue: 'refused',
        dateField: 'approvedAt',
      },
      text: '欢迎参保',
    },
  ],
};

describe('reminder rules file', () => {
  it('reads a valid file with defaults filled in', () => {
    const config = parseReminderRules(rules, 'rules.json');
    expect(config).toMatchObject({ timeZone: 'Asia/Shanghai', maxPerPerson: 2, windowDays: 30, maxAttempts: 3 });
    expect(config.rules.map((r) => [r.id, r.kind, r.period, r.template])).toEqual([
      ['uninsured-invitation', 'uninsured', 'quarter', 'uninsured-invitation'],
      ['suspended', 'contributions-suspended', 'quarter', 'suspended'],
      ['window', 'contribution-window', 'year', 'window'],
      ['refusals', 'survey-refusal', 'year', 'refusals'],
    ]);
  });

  it.each([
    [{ ...rules, timeZone: 'Mars/Olympus' }, 'rules.json: timeZone is not an IANA time zone'],
    [{ ...rules, quietHours: { start: '9pm', end: '08:00' } }, 'quietHours.start must match'],
    [{ ...rules, maxPerPerson: 0 }, 'maxPerPerson must be a whole number from 1 to 100'],
    [{ ...rules, colour: 'blue' }, '(root).colour is not a known setting'],
    [{ ...rules, rules: [{ id: 'x1', kind: 'birthday', text: 'hi' }] }, 'rules[0].kind must be one of'],
    [{ ...rules, rules: [rules.rules[0], rules.rules[0]] }, 'rules[1].id repeats the id uninsured-invitation'],
    [{ ...rules, rules: [{ ...rules.rules[1], insuranceTypes: ['999'] }] }, 'rules[0].insuranceTypes must list insurance type codes'],
    [
      { ...rules, rules: [{ ...rules.rules[2], windows: { '44': { opens: '09-01', closes: '02-30' } } }] },
      'windows.44.closes must be MM-DD',
    ],
    [{ ...rules, rules: [{ ...rules.rules[2], period: 'month' }] }, 'rules[0].period must be year'],
    [{ ...rules, rules: [{ ...rules.rules[3], readModel: { projection: 'surveys' } }] }, 'rules[0].readModel.collection must match'],
  ])('refuses a bad file with a message naming the key (%#)', (doc, message) => {
    expect(() => parseReminderRules(doc, 'rules.json')).toThrow(ReminderRulesError);
    expect(() => parseReminderRules(doc, 'rules.json')).toThrow(message);
  });

  it('reads times in the configured time zone and keeps quiet hours across midnight', () => {
    const config = parseReminderRules(rules, 'rules.json');
    // 13:30 UTC is 21:30 in Shanghai.
    expect(localTime(new Date('2025-03-01T13:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2025-03-01', minutes: 21 * 60 + 30 });
    expect(localTime(new Date('2025-03-01T16:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2025-03-02', minutes: 30 });
    expect(inQuietHours(new Date('2025-03-01T13:00:00Z'), config)).toBe(true); // 21:00 local
    expect(inQuietHours(new Date('2025-03-01T23:59:00Z'), config)).toBe(true); // 07:59 local
    expect(inQuietHours(new Date('2025-03-02T00:00:00Z'), config)).toBe(false); // 08:00 local
    expect(inQuietHours(new Date('2025-03-01T12:59:00Z'), config)).toBe(false); // 20:59 local
    expect(inQuietHours(new Date('2025-03-01T05:00:00Z'), { ...config, quietHours: { start: '12:00', end: '14:00' } })).toBe(true);
  });

  it('keys periods and counts months back by the calendar', () => {
    expect(periodKey('quarter', '2025-05-31')).toBe('2025Q2');
    expect(periodKey('month', '2025-05-31')).toBe('2025-05');
    expect(periodKey('year', '2025-05-31')).toBe('2025');
    expect(periodKey('once', '2025-05-31')).toBe('once');
    expect(monthsBefore('2025-05-31', 3)).toBe('2025-02-28');
    expect(monthsBefore('2025-02-15', 3)).toBe('2024-11-15');
  });

  it('finds the closing window per province, also one that runs over the new year', () => {
    const config = parseReminderRules(rules, 'rules.json');
    const rule = config.rules[2];
    if (rule.kind !== 'contribution-window') throw new Error('rule 2 is the window rule');
    const guangdong = windowFor(rule, '44')!;
    expect(closingWindow('2025-12-01', guangdong, 30)).toBe('2025-12-31');
    expect(closingWindow('2025-11-30', guangdong, 30)).toBeUndefined();
    expect(closingWindow('2026-01-01', guangdong, 30)).toBeUndefined();
    const other = windowFor(rule, '11')!;
    expect(other).toEqual({ opens: '10-01', closes: '02-28' });
    expect(closingWindow('2026-02-01', other, 30)).toBe('2026-02-28');
    expect(closingWindow('2025-10-15', other, 30)).toBeUndefined();
    expect(reminderText(rule, '2025-12-31')).toBe('缴费期将于12月31日截止');
    expect(reminderText(config.rules[1])).toBe('暂停缴费已满3个月');
  });
});
