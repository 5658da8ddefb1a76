// Labels, helpers and components more than one page uses.
import { get } from './api.js';

export const pct = (v) => (v === null || v === undefined ? '无数据' : (v * 100).toFixed(1) + '%');
export const todayStr = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
export let CATALOG = null;
export async function catalog() { if (!CATALOG) CATALOG = await get('/prevention/catalog'); return CATALOG; }
export const zhOf = (list, code) => ((list || []).find((x) => x.code === code) || {}).zh || code;
