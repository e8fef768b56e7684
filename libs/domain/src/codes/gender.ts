import { defineCodeTable } from './code-table';

/** 性别 (GB/T 2261.1). */
export const Genders = defineCodeTable({
  '0': { nameZh: '未知的性别', nameEn: 'unknown' },
  '1': { nameZh: '男', nameEn: 'male' },
  '2': { nameZh: '女', nameEn: 'female' },
  '9': { nameZh: '未说明的性别', nameEn: 'not stated' },
});
export type Gender = (typeof Genders.codes)[number];
export const isGender = Genders.is;
