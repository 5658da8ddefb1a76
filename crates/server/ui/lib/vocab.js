// Labels people read for the codes the API uses. The code lists the server keeps
// (GET /vocabulary) are loaded once after login into the maps below, which every page reads;
// the rest are the UI's own words.
import { get } from './api.js';
import { reactive } from './vue.js';

/** The server's code lists, as it sent them (empty until loaded). */
export const vocabulary = reactive({ loaded: false, unit_kinds: [], roles: [], jurisdiction_kinds: [], age_bands: [] });
/** Where a warning is in its handling. */
export const STATE_ZH = reactive({});
/** How a warning ended. */
export const OUTCOME_ZH = reactive({});
/** The steps taken on a warning. */
export const STEP_ZH = reactive({});
/** How a station reaches the person. */
export const CHANNEL_ZH = reactive({});
/** The dissuasion checklist. */
export const CHECKLIST_ZH = reactive({});
/** Where a case is in its life. */
export const CASE_STATUS_ZH = reactive({});
/** What a case names of the suspects. */
export const OBSERVABLE_ZH = reactive({});
/** Levels of the jurisdiction tree. */
export const KIND_ZH = reactive({});
/** Age bands. */
export const AGE_ZH = reactive({});
/** What the centre asks a bank to do. */
export const BANK_REQUEST_KIND_ZH = reactive({});
/** Where a bank request stands. */
export const BANK_REQUEST_STATUS_ZH = reactive({});
/** The prevention rates that have a target. */
export const TARGET_ZH = reactive({});
/** Where a fund trace stops following the money. */
export const STOP_ZH = reactive({});
/** What a fraud-list entry names. */
export const LIST_KIND_ZH = reactive({});
/** What a rule tests. */
export const RULE_KIND_ZH = reactive({});
/** Which side of a transfer a rule looks at. */
export const SIDE_ZH = reactive({});
/** The interviews of the escalation ladder. */
export const INTERVIEW_ZH = reactive({});
/** The question a warning answers. */
export const SCENARIO_ZH = reactive({});
/** A report's statuses. */
export const REPORT_STATUS_ZH = reactive({});
/** Where a key person's measure stands. */
export const MEASURE_STATE_ZH = reactive({});
/** How a shadow run ended ('' while it runs). */
export const SHADOW_OUTCOME_ZH = reactive({});
/** The phases of a training. */
export const PHASE_ZH = reactive({});

/** Loads the server's code lists once (again after a failure). */
export async function loadVocabulary() {
  if (vocabulary.loaded) return vocabulary;
  const v = await get('/vocabulary');
  const fill = (map, list) => { for (const { code, zh } of list || []) map[code] = zh; };
  fill(STATE_ZH, v.warning_states); fill(OUTCOME_ZH, v.outcomes); fill(STEP_ZH, v.steps);
  fill(CHANNEL_ZH, v.contact_channels); fill(CHECKLIST_ZH, v.checklist);
  fill(CASE_STATUS_ZH, v.case_statuses); fill(OBSERVABLE_ZH, v.observable_kinds);
  fill(KIND_ZH, v.jurisdiction_kinds); fill(AGE_ZH, v.age_bands);
  fill(BANK_REQUEST_KIND_ZH, v.bank_request_kinds); fill(BANK_REQUEST_STATUS_ZH, v.bank_request_statuses);
  fill(TARGET_ZH, v.coverage_targets); fill(STOP_ZH, v.trace_stops); fill(LIST_KIND_ZH, v.list_kinds);
  fill(RULE_KIND_ZH, v.rule_kinds); fill(SIDE_ZH, v.sides); fill(INTERVIEW_ZH, v.interview_actions);
  fill(SCENARIO_ZH, v.scenarios); fill(REPORT_STATUS_ZH, v.report_statuses); fill(MEASURE_STATE_ZH, v.measure_states);
  fill(SHADOW_OUTCOME_ZH, v.shadow_outcomes); fill(PHASE_ZH, v.training_phases);
  Object.assign(vocabulary, v, { loaded: true });
  return vocabulary;
}
export const ACTION_ZH = { login: '登录', login_failed: '登录失败', logout: '退出', read_pii: '查阅个人信息', unmask: '查看明文', create: '新增', update: '修改', import: '导入', export: '导出', revoke: '吊销', unlock: '解除登录锁定', login_locked: '登录锁定', password_change: '修改密码', publish: '发布' };
export const FIELD_ZH = { name: '姓名', id_number: '身份证号', phone: '手机号', address: '住址' };
// The fields an audit entry names, as the audit page shows them (FIELD_ZH covers the
// unmaskable ones).
export const AUDIT_FIELD_ZH = {
  ...FIELD_ZH, account: '账号', actor: '操作人', age_band: '年龄段', body: '正文', carers: '包保责任人', case_no: '案件编号',
  code: '编码', colour: '名单颜色', contact_name: '联系人', covers: '覆盖辖区', expires_at: '有效期', file: '文件',
  household_code: '户号', jurisdiction_id: '所属辖区', kind: '类别', narrative: '报告正文', note: '备注', parent_code: '上级编码',
  parent_id: '上级辖区', password: '密码', payee: '收款方', payer: '付款方', permissions: '权限', precinct: '管辖范围',
  residents: '人口数', role: '角色', screenshot: '截图', signer: '签署人', source: '来源', sources: '数据来源', status: '状态',
  subject: '预警对象', target: '目标', title: '标题', unit: '单位', unit_id: '所属单位', username: '用户名', value: '名单值',
  loss_fen: '损失金额', victim_age_band: '受害人年龄段', victim_occupation: '受害人职业', reported_at: '接警时间',
  station: '派出所', fraud_type: '诈骗类型', recovered_fen: '挽损金额', contact_channel: '接触渠道', outcome: '结果',
};
// The system's own actors (the command-line tools and the engine's intake).
export const SYSTEM_ACTOR_ZH = { 'fanzha demo': '演示数据生成', 'fanzha admin': '命令行管理', 'fanzha model': '命令行模型训练', 'fanzha bench': '性能测试', demo: '演示数据', system: '系统' };
// What an audit entry's object id says, in words: a list page, the caller's own records, the
// live feed; anything else (an id, a month) as it is.
export const AUDIT_LIST_ZH = { list: '列表', outbox: '发件箱', inbox: '收件箱', gaps: '未覆盖名单', plan: '工作计划' };
export function auditObjectId(id) {
  if (!id) return '';
  if (id === 'mine') return '本人的';
  if (id === 'live') return '实时推送';
  // A login lock's object is the account's login name (or an address).
  if (id.startsWith('user:')) return '账号 ' + id.slice(5);
  if (id.startsWith('ip:')) return '地址 ' + id.slice(3);
  if (AUDIT_LIST_ZH[id]) return AUDIT_LIST_ZH[id];
  const m = /^([a-z_]+):(?:page=)?(.*)$/.exec(id);
  if (m && AUDIT_LIST_ZH[m[1]]) return `${AUDIT_LIST_ZH[m[1]]} ${/^\d+$/.test(m[2]) && id.includes('page=') ? '第' + m[2] + '页' : m[2]}`;
  return id;
}
export const OBJECT_ZH = {
  resident: '居民', user: '用户', api_key: '接口密钥', session: '会话', login_lock: '登录锁定', jurisdiction: '辖区', station: '派出所', unit: '成员单位',
  warning: '预警', warning_evidence: '预警现场材料', fraud_list: '涉诈名单', ruleset: '预警规则', case: '案件', ranking: '排名', report: '通报报告',
  bank_request: '止付冻结', clue: '举报线索', fund_trace: '资金追踪', dual_inquiry: '一案双查', notice_naming: '通报点名', key_person: '重点人员',
  key_person_measure: '重点人员管控措施', task: '任务', household: '住户', signed_form: '回执承诺书', outreach_file: '宣传材料', coverage_figure: '覆盖数据',
  outlet_account: '网点开户数据', notification: '通知', list_entry: '名单条目', case_link: '串并案件', case_observable: '案件涉案信息',
  clue_screenshot: '举报截图', governance_notice: '治理通知', key_person_visit: '重点人员走访', outlet_check: '网点检查',
  outreach_activity: '宣传活动', engine_model: '预警模型', engine_shadow: '影子运行', population: '人口数', responsibility_letter: '责任书', warning_step: '预警处置记录', work_plan: '工作方案',
};
