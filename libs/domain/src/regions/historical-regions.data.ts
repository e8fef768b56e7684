import { HistoricalRegion } from './region-table';

/**
 * A curated list of real county-level GB/T 2260 codes that were abolished or merged.
 * Citizen IDs keep the code of first registration, so these remain valid prefixes and
 * household records from old systems still carry them. Not exhaustive: it covers the
 * well-known municipal reorganisations; a test checks every entry is absent from the
 * current table and every successor present.
 */
export const HISTORICAL_REGIONS: readonly HistoricalRegion[] = [
  // Beijing
  { code: '110103', name: '崇文区', abolished: 2010, successor: '110101' },
  { code: '110104', name: '宣武区', abolished: 2010, successor: '110102' },
  { code: '110221', name: '昌平县', abolished: 1999, successor: '110114' },
  { code: '110222', name: '顺义县', abolished: 1998, successor: '110113' },
  { code: '110223', name: '通县', abolished: 1997, successor: '110112' },
  { code: '110224', name: '大兴县', abolished: 2001, successor: '110115' },
  { code: '110226', name: '平谷县', abolished: 2001, successor: '110117' },
  { code: '110227', name: '怀柔县', abolished: 2001, successor: '110116' },
  { code: '110228', name: '密云县', abolished: 2015, successor: '110118' },
  { code: '110229', name: '延庆县', abolished: 2015, successor: '110119' },
  // Tianjin
  { code: '120107', name: '塘沽区', abolished: 2009, successor: '120116' },
  { code: '120108', name: '汉沽区', abolished: 2009, successor: '120116' },
  { code: '120109', name: '大港区', abolished: 2009, successor: '120116' },
  { code: '120221', name: '宁河县', abolished: 2015, successor: '120117' },
  { code: '120223', name: '静海县', abolished: 2015, successor: '120118' },
  { code: '120225', name: '蓟县', abolished: 2016, successor: '120119' },
  // Shanghai
  { code: '310102', name: '南市区', abolished: 2000, successor: '310101' },
  { code: '310103', name: '卢湾区', abolished: 2011, successor: '310101' },
  { code: '310108', name: '闸北区', abolished: 2015, successor: '310106' },
  { code: '310119', name: '南汇区', abolished: 2009, successor: '310115' },
  { code: '310230', name: '崇明县', abolished: 2016, successor: '310151' },
  // Jiangsu
  { code: '320103', name: '白下区', abolished: 2013, successor: '320104' },
  { code: '320107', name: '下关区', abolished: 2013, successor: '320106' },
  { code: '320124', name: '溧水县', abolished: 2013, successor: '320117' },
  { code: '320125', name: '高淳县', abolished: 2013, successor: '320118' },
  { code: '320202', name: '崇安区', abolished: 2015, successor: '320213' },
  { code: '320203', name: '南长区', abolished: 2015, successor: '320213' },
  { code: '320204', name: '北塘区', abolished: 2015, successor: '320213' },
  // Zhejiang
  { code: '330103', name: '下城区', abolished: 2021, successor: '330105' },
  { code: '330104', name: '江干区', abolished: 2021, successor: '330102' },
  { code: '330183', name: '富阳市', abolished: 2014, successor: '330111' },
  { code: '330185', name: '临安市', abolished: 2017, successor: '330112' },
  { code: '330621', name: '绍兴县', abolished: 2013, successor: '330603' },
  { code: '330682', name: '上虞市', abolished: 2013, successor: '330604' },
  // Shandong
  { code: '370181', name: '章丘市', abolished: 2016, successor: '370114' },
  { code: '370205', name: '四方区', abolished: 2012, successor: '370203' },
  { code: '370282', name: '胶南市', abolished: 2012, successor: '370211' },
  // Guangdong
  { code: '440102', name: '东山区', abolished: 2005, successor: '440104' },
  { code: '440107', name: '芳村区', abolished: 2005, successor: '440103' },
  { code: '440116', name: '萝岗区', abolished: 2014, successor: '440112' },
  { code: '440183', name: '增城市', abolished: 2014, successor: '440118' },
  { code: '440184', name: '从化市', abolished: 2014, successor: '440117' },
  // Chongqing
  { code: '500222', name: '綦江县', abolished: 2011, successor: '500110' },
  { code: '500384', name: '南川市', abolished: 2006, successor: '500119' },
  // Shaanxi
  { code: '610125', name: '户县', abolished: 2016, successor: '610118' },
];
