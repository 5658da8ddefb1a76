// The API client, the session and what the caller may do.
/* global echarts, ElementPlus */
import { ElMessage, reactive } from './vue.js';

// ECharts draws tooltips as HTML: every value a formatter puts into one goes through this.
export const esc = (v) => echarts.format.encodeHTML(String(v ?? ''));

// ---- API -----------------------------------------------------------------------------------
export const ERROR_TEXT = {
  unauthenticated: '请先登录', bad_credentials: '用户名或密码错误', forbidden: '无此操作权限',
  csrf: '会话已失效，请重新登录', not_found: '未找到或不在您的辖区范围内', invalid_value: '输入有误',
  conflict: '数据冲突（编码或证件号已存在）', internal: '服务器内部错误，请联系管理员',
  rate_limited: '操作过于频繁，请稍后再试', locked: '登录失败次数过多，账号已临时锁定，请稍后再试',
  payload_too_large: '提交的内容过大', session_idle: '长时间未操作，请重新登录',
  password_change_required: '请先修改初始密码',
};
export const session = reactive({ me: null, checked: false });

export async function api(method, path, body, isForm) {
  const headers = {};
  if (session.me && method !== 'GET') headers['X-CSRF-Token'] = session.me.csrf_token;
  let payload;
  if (isForm) payload = body; else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const code = data && data.code;
    const wait = res.headers.get('Retry-After');
    // The server names the field by its label and says what is wrong in Chinese (message_zh).
    const detail = data && data.message_zh ? '：' + data.message_zh : '';
    const err = new Error((ERROR_TEXT[code] || '请求失败') + detail + (wait ? `（${wait} 秒后可重试）` : ''));
    err.code = code; err.status = res.status;
    if (res.status === 401 && session.me) { session.me = null; location.hash = '#/login'; }
    throw err;
  }
  return data;
}
export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const put = (p, b) => api('PUT', p, b);
export function qs(o) { const s = new URLSearchParams(); for (const [k, v] of Object.entries(o)) if (v !== '' && v !== null && v !== undefined) s.set(k, v); return s.toString(); }
export function fail(e) { ElMessage.error(e.message || String(e)); }
export const can = (p) => !!(session.me && session.me.permissions.includes(p));
// A phone's width: lists become cards, since a wide table loses its row when scrolled to its buttons.
export const narrowQuery = window.matchMedia('(max-width: 700px)');
export const viewport = reactive({ narrow: narrowQuery.matches });
narrowQuery.addEventListener('change', (e) => { viewport.narrow = e.matches; });
// The parts of the caller's area (a station's precinct may span towns), each with its id and
// name; empty for the whole county.
export const scopeParts = () => (session.me.scope_ids || []).map((id, i) => ({ id, name: session.me.scope[i] }));
// Who has the tasks page (任务待办): unit reporters and reviewers, and carers of key persons.
export const canTasks = () => can('prevention_write') || can('prevention_review') || can('key_person');
