// Labels, helpers and components more than one page uses.
import { get } from './api.js';

export const STATE_ZH = { received: '待签收', signed_for: '已签收', contacting: '联系中', face_to_face: '已见面', closed: '已办结' };
export const OUTCOME_ZH = { dissuaded: '劝阻成功', already_defrauded: '已被骗', false_positive: '误报', unreachable: '联系不上', refused: '拒不配合' };
export const pct = (v) => (v === null || v === undefined ? '无数据' : (v * 100).toFixed(1) + '%');
export const todayStr = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
export let CATALOG = null;
export async function catalog() { if (!CATALOG) CATALOG = await get('/prevention/catalog'); return CATALOG; }
export const zhOf = (list, code) => ((list || []).find((x) => x.code === code) || {}).zh || code;
