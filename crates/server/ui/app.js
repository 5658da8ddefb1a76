// 清溪县反诈工作平台 — the web UI. Plain Vue 3 + Element Plus + ECharts, served by the Fanzha
// binary itself; no build step. Every string a person reads is Chinese; code is English.
/* global Vue, ElementPlus, ElementPlusLocaleZhCn, ElementPlusIconsVue, echarts */
const { createApp, ref, reactive, computed, onMounted, watch, nextTick, h } = Vue;
const { ElMessage, ElMessageBox } = ElementPlus;
// ECharts draws tooltips as HTML: every value a formatter puts into one goes through this.
const esc = (v) => echarts.format.encodeHTML(String(v ?? ''));

// ---- API -----------------------------------------------------------------------------------
const ERROR_TEXT = {
  unauthenticated: '请先登录', bad_credentials: '用户名或密码错误', forbidden: '无此操作权限',
  csrf: '会话已失效，请重新登录', not_found: '未找到或不在您的辖区范围内', invalid_value: '输入有误',
  conflict: '数据冲突（编码或证件号已存在）', internal: '服务器内部错误，请联系管理员',
  rate_limited: '操作过于频繁，请稍后再试', locked: '登录失败次数过多，账号已临时锁定，请稍后再试',
  payload_too_large: '提交的内容过大', session_idle: '长时间未操作，请重新登录',
  password_change_required: '请先修改初始密码',
};
const session = reactive({ me: null, checked: false });

async function api(method, path, body, isForm) {
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
const get = (p) => api('GET', p);
const post = (p, b) => api('POST', p, b);
const patch = (p, b) => api('PATCH', p, b);
const put = (p, b) => api('PUT', p, b);
function qs(o) { const s = new URLSearchParams(); for (const [k, v] of Object.entries(o)) if (v !== '' && v !== null && v !== undefined) s.set(k, v); return s.toString(); }
function fail(e) { ElMessage.error(e.message || String(e)); }
const can = (p) => !!(session.me && session.me.permissions.includes(p));
// A phone's width: lists become cards, since a wide table loses its row when scrolled to its buttons.
const narrowQuery = window.matchMedia('(max-width: 700px)');
const viewport = reactive({ narrow: narrowQuery.matches });
narrowQuery.addEventListener('change', (e) => { viewport.narrow = e.matches; });
// The parts of the caller's area (a station's precinct may span towns), each with its id and
// name; empty for the whole county.
const scopeParts = () => (session.me.scope_ids || []).map((id, i) => ({ id, name: session.me.scope[i] }));
// Who has the tasks page (任务待办): unit reporters and reviewers, and carers of key persons.
const canTasks = () => can('prevention_write') || can('prevention_review') || can('key_person');

const KIND_ZH = { county: '县(区)', town: '镇(街道)', village: '村(社区)', grid: '网格' };
const AGE_ZH = { under_18: '18岁以下', '18_30': '18-30岁', '31_45': '31-45岁', '46_60': '46-60岁', over_60: '60岁以上' };
const ACTION_ZH = { login: '登录', login_failed: '登录失败', logout: '退出', read_pii: '查阅个人信息', unmask: '查看明文', create: '新增', update: '修改', import: '导入', export: '导出', revoke: '吊销', unlock: '解除登录锁定', login_locked: '登录锁定', password_change: '修改密码', publish: '发布' };
const FIELD_ZH = { name: '姓名', id_number: '身份证号', phone: '手机号', address: '住址' };
// The fields an audit entry names, as the audit page shows them (FIELD_ZH covers the
// unmaskable ones).
const AUDIT_FIELD_ZH = {
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
const SYSTEM_ACTOR_ZH = { 'fanzha demo': '演示数据生成', 'fanzha admin': '命令行管理', 'fanzha model': '命令行模型训练', 'fanzha bench': '性能测试', demo: '演示数据', system: '系统' };
// What an audit entry's object id says, in words: a list page, the caller's own records, the
// live feed; anything else (an id, a month) as it is.
const AUDIT_LIST_ZH = { list: '列表', outbox: '发件箱', inbox: '收件箱', gaps: '未覆盖名单', plan: '工作计划' };
function auditObjectId(id) {
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
const OBJECT_ZH = {
  resident: '居民', user: '用户', api_key: '接口密钥', session: '会话', login_lock: '登录锁定', jurisdiction: '辖区', station: '派出所', unit: '成员单位',
  warning: '预警', warning_evidence: '预警现场材料', fraud_list: '涉诈名单', ruleset: '预警规则', case: '案件', ranking: '排名', report: '通报报告',
  bank_request: '止付冻结', clue: '举报线索', fund_trace: '资金追踪', dual_inquiry: '一案双查', notice_naming: '通报点名', key_person: '重点人员',
  key_person_measure: '重点人员管控措施', task: '任务', household: '住户', signed_form: '回执承诺书', outreach_file: '宣传材料', coverage_figure: '覆盖数据',
  outlet_account: '网点开户数据', notification: '通知', list_entry: '名单条目', case_link: '串并案件', case_observable: '案件涉案信息',
  clue_screenshot: '举报截图', governance_notice: '治理通知', key_person_visit: '重点人员走访', outlet_check: '网点检查',
  outreach_activity: '宣传活动', engine_model: '预警模型', engine_shadow: '影子运行', population: '人口数', responsibility_letter: '责任书', warning_step: '预警处置记录', work_plan: '工作方案',
};

// ---- Chart helper --------------------------------------------------------------------------
const EChart = {
  props: ['option'],
  emits: ['click'],
  setup(props, { emit }) {
    const el = ref(null); let chart = null;
    const draw = () => { if (!el.value) return; if (!chart) { chart = echarts.init(el.value); chart.on('click', (p) => emit('click', p)); } chart.setOption(props.option, true); };
    onMounted(() => { nextTick(draw); window.addEventListener('resize', () => chart && chart.resize()); });
    watch(() => props.option, draw, { deep: true });
    return { el };
  },
  template: '<div ref="el" class="chart"></div>',
};

// ---- Login -----------------------------------------------------------------------------------
const LoginPage = {
  setup() {
    const form = reactive({ username: '', password: '' });
    const busy = ref(false);
    async function submit() {
      busy.value = true;
      try { session.me = await post('/auth/login', form); location.hash = '#/'; }
      catch (e) { fail(e); } finally { busy.value = false; }
    }
    return { form, busy, submit };
  },
  template: `
  <div class="login-wrap">
    <el-card class="login-card" shadow="always">
      <div class="login-title">清溪县反诈工作平台</div>
      <div class="login-sub">打击治理电信网络诈骗 · 预警劝阻 · 宣传防范</div>
      <el-form @submit.prevent="submit" label-position="top">
        <el-form-item label="用户名"><el-input v-model="form.username" data-testid="username" autocomplete="username" /></el-form-item>
        <el-form-item label="密码"><el-input v-model="form.password" type="password" show-password data-testid="password" autocomplete="current-password" @keyup.enter="submit" /></el-form-item>
        <el-button type="primary" style="width:100%" :loading="busy" data-testid="login" @click="submit">登录</el-button>
      </el-form>
    </el-card>
  </div>`,
};

// ---- Dashboard -------------------------------------------------------------------------------
const DashboardPage = {
  components: { EChart },
  setup() {
    const stats = ref(null); const towns = ref([]);
    // 我的待办: what waits on the user today, each with the page to do it on.
    const todo = ref(null);
    async function loadTodo() {
      const t = {};
      if (can('warning_read')) {
        const w = await get('/warnings?open=true&per_page=100');
        t.warnings = { open: w.total, late: w.items.filter((x) => x.escalation !== 'none').length, partial: w.total > w.items.length };
      }
      const inbox = await get('/inbox');
      t.tasks = { open: inbox.tasks.length, late: inbox.tasks.filter((x) => x.overdue).length };
      t.visits = inbox.visits_due.length;
      todo.value = t;
    }
    onMounted(async () => {
      loadTodo().catch(fail);
      try {
        stats.value = await get('/stats/registry');
        const tree = await get('/jurisdictions/tree');
        towns.value = tree.filter((j) => j.kind === 'town' || (j.kind === 'village' && !tree.some((t) => t.kind === 'town')));
      } catch (e) { fail(e); }
    });
    const count = (k) => (stats.value ? (stats.value.jurisdictions_by_kind.find((x) => x[0] === k) || [0, 0])[1] : 0);
    const ageOption = computed(() => ({
      title: { text: '登记居民年龄结构', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'item', formatter: (p) => `${esc(p.name)}: ${p.value} 人 (${p.percent}%)` },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: (stats.value ? stats.value.residents_by_age_band : []).map(([k, v]) => ({ name: AGE_ZH[k] || k, value: v })) }],
    }));
    const popOption = computed(() => ({
      title: { text: '常住人口（最新统计）', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: { type: 'category', data: towns.value.map((t) => t.name), axisLabel: { rotate: 35 } },
      yAxis: { type: 'value', name: '人' },
      series: [{ type: 'bar', data: towns.value.map((t) => t.residents || 0), itemStyle: { color: '#1565c0' } }],
    }));
    const go = (path) => { window.location.hash = '#' + path; };
    return { stats, count, ageOption, popOption, session, todo, can, canTasks, go };
  },
  template: `
  <div>
    <h2 class="page-title">工作台</h2>
    <div class="cards todo" v-if="todo" data-testid="todo">
      <el-card v-if="todo.warnings" shadow="hover" @click="go('/warnings')" data-testid="todo-warnings">
        <div class="card-num" :class="todo.warnings.late ? 'worse' : ''">{{ todo.warnings.open }}</div>
        <div class="card-label">未办结预警<span v-if="todo.warnings.late" class="worse">，其中超时 {{ todo.warnings.late }}{{ todo.warnings.partial ? '（最新100条中）' : '' }}</span></div>
      </el-card>
      <el-card v-if="canTasks()" shadow="hover" @click="go('/tasks')" data-testid="todo-tasks">
        <div class="card-num" :class="todo.tasks.late ? 'worse' : ''">{{ todo.tasks.open }}</div>
        <div class="card-label">本单位待办任务<span v-if="todo.tasks.late" class="worse">，逾期 {{ todo.tasks.late }}</span></div>
      </el-card>
      <el-card v-if="can('key_person')" shadow="hover" @click="go('/tasks')" data-testid="todo-visits">
        <div class="card-num" :class="todo.visits ? 'worse' : ''">{{ todo.visits }}</div>
        <div class="card-label">走访逾期的重点人员（我包保）</div>
      </el-card>
    </div>
    <div class="cards" v-if="stats">
      <el-card><div class="card-num" data-testid="stat-residents">{{ stats.residents.toLocaleString() }}</div><div class="card-label">辖区登记居民</div></el-card>
      <el-card v-if="count('town')"><div class="card-num">{{ count('town') }}</div><div class="card-label">镇(街道)</div></el-card>
      <el-card><div class="card-num">{{ count('village') }}</div><div class="card-label">村(社区)</div></el-card>
      <el-card><div class="card-num">{{ count('grid') }}</div><div class="card-label">网格</div></el-card>
      <el-card><div class="card-num">{{ stats.stations }}</div><div class="card-label">派出所</div></el-card>
      <el-card><div class="card-num">{{ stats.units }}</div><div class="card-label">成员单位</div></el-card>
    </div>
    <div class="charts">
      <el-card><EChart :option="popOption" /></el-card>
      <el-card><EChart :option="ageOption" /></el-card>
    </div>
  </div>`,
};

// ---- Jurisdictions -----------------------------------------------------------------------
const JurisdictionsPage = {
  setup() {
    const tree = ref([]); const detail = ref(null); const loading = ref(false);
    const popForm = reactive({ as_of: '', residents: null, source: '' });
    const childForm = reactive({ code: '', name: '' });
    async function load() {
      loading.value = true;
      try {
        const flat = await get('/jurisdictions/tree');
        const byId = new Map(flat.map((j) => [j.id, { ...j, children: [] }]));
        const roots = [];
        for (const j of byId.values()) { const p = byId.get(j.parent_id); if (p) p.children.push(j); else roots.push(j); }
        const sort = (ns) => { ns.sort((a, b) => a.code.localeCompare(b.code)); ns.forEach((n) => sort(n.children)); };
        sort(roots);
        tree.value = roots;
      } catch (e) { fail(e); } finally { loading.value = false; }
    }
    async function select(node) { try { detail.value = await get('/jurisdictions/' + node.id); } catch (e) { fail(e); } }
    async function addPopulation() {
      try { await post(`/jurisdictions/${detail.value.id}/population`, { ...popForm, residents: Number(popForm.residents) }); ElMessage.success('已记录'); await select(detail.value); await load(); }
      catch (e) { fail(e); }
    }
    const childKind = computed(() => detail.value && ({ county: 'town', town: 'village', village: 'grid' })[detail.value.kind]);
    async function addChild() {
      try { await post('/jurisdictions', { parent_id: detail.value.id, kind: childKind.value, code: childForm.code, name: childForm.name }); ElMessage.success('已新增'); childForm.code = ''; childForm.name = ''; await load(); }
      catch (e) { fail(e); }
    }
    onMounted(load);
    return { tree, detail, loading, select, popForm, addPopulation, childForm, addChild, childKind, can, KIND_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">辖区与人口</h2>
    <el-row :gutter="12">
      <el-col :span="10">
        <el-card v-loading="loading">
          <el-tree :data="tree" node-key="id" :props="{ label: 'name', children: 'children' }" :default-expanded-keys="tree.map(t => t.id)" highlight-current @node-click="select" data-testid="jur-tree">
            <template #default="{ data }">
              <span>{{ data.name }} <el-tag size="small" type="info">{{ KIND_ZH[data.kind] }}</el-tag>
              <span v-if="data.residents != null" style="color:#888;margin-left:6px">{{ data.residents.toLocaleString() }} 人</span></span>
            </template>
          </el-tree>
        </el-card>
      </el-col>
      <el-col :span="14">
        <el-card v-if="detail">
          <template #header>{{ detail.name }}（{{ KIND_ZH[detail.kind] }}，编码 {{ detail.code }}）</template>
          <el-descriptions :column="2" border size="small">
            <el-descriptions-item label="常住人口">{{ detail.residents != null ? detail.residents.toLocaleString() + ' 人' : '未登记' }}</el-descriptions-item>
            <el-descriptions-item label="统计日期">{{ detail.residents_as_of || '-' }}</el-descriptions-item>
          </el-descriptions>
          <h4>人口统计（按日期）</h4>
          <el-table :data="detail.population.slice().reverse()" size="small" max-height="260">
            <el-table-column prop="as_of" label="统计日期" width="120" />
            <el-table-column prop="residents" label="常住人口" />
            <el-table-column prop="source" label="来源" />
          </el-table>
          <template v-if="can('registry_write')">
            <h4>登记人口</h4>
            <el-form inline size="small">
              <el-form-item label="日期"><el-date-picker v-model="popForm.as_of" value-format="YYYY-MM-DD" type="date" /></el-form-item>
              <el-form-item label="人数"><el-input-number v-model="popForm.residents" :min="0" /></el-form-item>
              <el-form-item label="来源"><el-input v-model="popForm.source" style="width:120px" /></el-form-item>
              <el-button type="primary" @click="addPopulation">保存</el-button>
            </el-form>
            <template v-if="childKind">
              <h4>新增下级（{{ KIND_ZH[childKind] }}）</h4>
              <el-form inline size="small">
                <el-form-item label="编码"><el-input v-model="childForm.code" style="width:140px" /></el-form-item>
                <el-form-item label="名称"><el-input v-model="childForm.name" style="width:140px" /></el-form-item>
                <el-button type="primary" @click="addChild">新增</el-button>
              </el-form>
            </template>
          </template>
        </el-card>
        <el-empty v-else description="在左侧选择一个辖区" />
      </el-col>
    </el-row>
  </div>`,
};

// ---- Stations ------------------------------------------------------------------------------
const StationsPage = {
  setup() {
    const rows = ref([]); const names = ref(new Map());
    onMounted(async () => {
      try {
        const [st, tree] = await Promise.all([get('/stations'), get('/jurisdictions/tree')]);
        names.value = new Map(tree.map((j) => [j.id, j.name]));
        rows.value = st;
      } catch (e) { fail(e); }
    });
    const precinct = (s) => s.precinct.map((id) => names.value.get(id) || '（辖区外）').join('、');
    return { rows, precinct };
  },
  template: `
  <div>
    <h2 class="page-title">派出所</h2>
    <el-table :data="rows" border stripe>
      <el-table-column prop="code" label="编码" width="90" />
      <el-table-column prop="name" label="名称" width="180" />
      <el-table-column prop="chief_name" label="所长" width="100" />
      <el-table-column prop="deputy_chief_name" label="副所长" width="100" />
      <el-table-column label="管辖区域"><template #default="{ row }">{{ precinct(row) }}</template></el-table-column>
    </el-table>
  </div>`,
};

// ---- Member units ----------------------------------------------------------------------------
const UnitsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ kind: '', q: '', page: 1, per_page: 20 });
    const kinds = ref([]); const kindZh = computed(() => Object.fromEntries(kinds.value.map((k) => [k.code, k.zh])));
    const dialog = ref(false); const form = reactive({ code: '', name: '', kind: 'school', jurisdiction_id: null, contact_name: '' });
    const jurs = ref([]);
    async function load() { try { page.value = await get('/units?' + qs(q)); } catch (e) { fail(e); } }
    async function create() {
      try { await post('/units', form); dialog.value = false; ElMessage.success('已新增'); await load(); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { kinds.value = (await get('/vocabulary')).unit_kinds; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); }
      await load();
    });
    return { page, q, kinds, kindZh, load, dialog, form, create, jurs, can, KIND_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">成员单位</h2>
    <div class="toolbar">
      <el-select v-model="q.kind" placeholder="单位类型" clearable style="width:180px" @change="q.page=1;load()">
        <el-option v-for="k in kinds" :key="k.code" :label="k.zh" :value="k.code" />
      </el-select>
      <el-input v-model="q.q" placeholder="名称包含" style="width:200px" clearable @change="q.page=1;load()" />
      <el-button @click="load">查询</el-button>
      <el-button v-if="can('registry_write')" type="primary" @click="dialog=true">新增单位</el-button>
    </div>
    <el-table :data="page.items" border stripe>
      <el-table-column prop="code" label="编码" width="120" />
      <el-table-column prop="name" label="名称" />
      <el-table-column label="类型" width="140"><template #default="{ row }">{{ kindZh[row.kind] || row.kind }}</template></el-table-column>
      <el-table-column prop="contact_name" label="联系人" width="120" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="dialog" title="新增成员单位" width="480px">
      <el-form label-width="80px">
        <el-form-item label="编码"><el-input v-model="form.code" /></el-form-item>
        <el-form-item label="名称"><el-input v-model="form.name" /></el-form-item>
        <el-form-item label="类型"><el-select v-model="form.kind"><el-option v-for="k in kinds.filter(k => k.code !== 'police_station')" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="所在辖区"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" /></el-select></el-form-item>
        <el-form-item label="联系人"><el-input v-model="form.contact_name" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">保存</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Residents -------------------------------------------------------------------------------
const ResidentsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const loading = ref(false);
    const q = reactive({ jurisdiction_id: '', name: '', phone: '', id_number: '', age_band: '', page: 1, per_page: 20 });
    const jurs = ref([]);
    const revealed = reactive({});
    const importDialog = ref(false); const report = ref(null); const file = ref(null);
    async function load() {
      const params = { ...q };
      if (String(q.phone).trim() || String(q.id_number).trim()) {
        // A search by full identifier reveals it: the server asks for a reason and audits it.
        try { ({ value: params.reason } = await ElMessageBox.prompt('按手机号或身份证号精确查找等同于查看明文，将记入审计日志，请填写事由（如：核实预警线索）', '按号码查找', { confirmButtonText: '查找', cancelButtonText: '取消', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      }
      loading.value = true;
      try { page.value = await get('/residents?' + qs(params)); } catch (e) { fail(e); } finally { loading.value = false; }
    }
    async function unmask(row, field) {
      try {
        const { value: reason } = await ElMessageBox.prompt(`查看「${FIELD_ZH[field]}」明文将记入审计日志，请填写事由（如：核实预警线索）`, '查看明文', { confirmButtonText: '确认查看', cancelButtonText: '取消', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' });
        const r = await post(`/residents/${row.id}/unmask`, { field, reason });
        revealed[row.id + ':' + field] = r.value || '（空）';
      } catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    const shown = (row, field) => revealed[row.id + ':' + field] || row[field];
    async function doImport() {
      if (!file.value) { ElMessage.warning('请选择文件'); return; }
      const fd = new FormData(); fd.append('file', file.value);
      try { report.value = await api('POST', '/residents/import', fd, true); await load(); } catch (e) { fail(e); }
    }
    onMounted(async () => { try { jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); } await load(); });
    return { page, q, load, loading, jurs, unmask, shown, can, importDialog, report, file, doImport, AGE_ZH, KIND_ZH, FIELD_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">居民信息 <el-tag size="small" type="warning">个人信息已脱敏，查看明文需填写事由并留痕</el-tag></h2>
    <div class="toolbar">
      <el-select v-model="q.jurisdiction_id" placeholder="辖区" clearable filterable style="width:200px" @change="q.page=1;load()">
        <el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" />
      </el-select>
      <el-input v-model="q.name" placeholder="姓名（前缀）" style="width:130px" clearable />
      <el-input v-model="q.phone" placeholder="手机号（精确）" style="width:150px" clearable data-testid="search-phone" />
      <el-input v-model="q.id_number" placeholder="身份证号（精确）" style="width:190px" clearable />
      <el-select v-model="q.age_band" placeholder="年龄段" clearable style="width:120px"><el-option v-for="(zh, k) in AGE_ZH" :key="k" :label="zh" :value="k" /></el-select>
      <el-button type="primary" @click="q.page=1;load()" data-testid="search">查询</el-button>
      <el-button v-if="can('resident_write')" @click="importDialog=true;report=null">批量导入</el-button>
    </div>
    <el-table :data="page.items" border stripe v-loading="loading" data-testid="residents">
      <el-table-column prop="id" label="编号" width="90" />
      <el-table-column label="姓名" width="110"><template #default="{ row }"><span class="masked">{{ shown(row, 'name') }}</span></template></el-table-column>
      <el-table-column label="身份证号" width="200"><template #default="{ row }"><span class="masked">{{ shown(row, 'id_number') }}</span></template></el-table-column>
      <el-table-column label="手机号" width="140"><template #default="{ row }"><span class="masked">{{ shown(row, 'phone') || '-' }}</span></template></el-table-column>
      <el-table-column label="住址"><template #default="{ row }"><span class="masked">{{ shown(row, 'address') || '-' }}</span></template></el-table-column>
      <el-table-column prop="gender" label="性别" width="60" />
      <el-table-column label="年龄段" width="100"><template #default="{ row }">{{ AGE_ZH[row.age_band] }}</template></el-table-column>
      <el-table-column prop="jurisdiction_name" label="网格" width="110" />
      <el-table-column v-if="can('pii_unmask')" label="查看明文" width="150">
        <template #default="{ row }">
          <el-dropdown trigger="click" @command="(f) => unmask(row, f)">
            <el-button size="small" link type="primary">选择字段</el-button>
            <template #dropdown><el-dropdown-menu>
              <el-dropdown-item v-for="(zh, f) in FIELD_ZH" :key="f" :command="f">{{ zh }}</el-dropdown-item>
            </el-dropdown-menu></template>
          </el-dropdown>
        </template>
      </el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="importDialog" title="批量导入居民（CSV / XLSX）" width="640px">
      <p style="color:#666;font-size:13px">列：姓名、身份证号、手机号、住址、性别、年龄段、户号、辖区编码（英文列名 name, id_number, phone, address, gender, age_band, household_code, jurisdiction_code 亦可）。有误的行逐行列出，其余行照常导入。</p>
      <input type="file" accept=".csv,.xlsx" @change="e => file = e.target.files[0]" data-testid="import-file" />
      <el-button type="primary" style="margin-left:8px" @click="doImport" data-testid="import-go">导入</el-button>
      <div v-if="report" style="margin-top:12px" data-testid="import-report">
        <el-alert :title="'共 ' + report.rows + ' 行，成功 ' + report.accepted + ' 行，失败 ' + report.rejected_total + ' 行' + (report.rejected_total > report.rejected.length ? '（下表列出前 ' + report.rejected.length + ' 行）' : '')" :type="report.rejected.length ? 'warning' : 'success'" :closable="false" />
        <el-table v-if="report.rejected.length" :data="report.rejected" size="small" max-height="240" style="margin-top:8px">
          <el-table-column prop="row" label="行号" width="70" />
          <el-table-column prop="message_zh" label="原因" />
        </el-table>
      </div>
    </el-dialog>
  </div>`,
};

// ---- Users and keys --------------------------------------------------------------------------
const UsersPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const vocab = ref({ roles: [] }); const units = ref([]); const jurs = ref([]);
    const dialog = ref(false); const form = reactive({ username: '', display_name: '', password: '', role: 'station_officer', unit_id: null, jurisdiction_id: null });
    const roleZh = computed(() => Object.fromEntries(vocab.value.roles.map((r) => [r.code, r.zh])));
    async function load() { try { page.value = await get('/users?per_page=100'); } catch (e) { fail(e); } }
    async function create() { try { await post('/users', form); dialog.value = false; ElMessage.success('已新增'); await load(); } catch (e) { fail(e); } }
    async function toggle(u) { try { await patch('/users/' + u.id, { active: !u.active }); await load(); } catch (e) { fail(e); } }
    // Accounts and addresses held back after failed logins; lifting one is audited.
    const locks = ref([]);
    async function loadLocks() { try { locks.value = await get('/auth/locks'); } catch (e) { fail(e); } }
    async function lift(l) {
      const what = (l.kind === 'account' ? '账号 ' : 'IP地址 ') + l.name;
      try { await ElMessageBox.confirm('确认对方身份后再解除。解除' + what + '的登录限制？', '解除锁定'); await post('/auth/locks/lift', { throttle_key: l.throttle_key }); ElMessage.success('已解除'); await loadLocks(); }
      catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    onMounted(async () => {
      try { vocab.value = await get('/vocabulary'); units.value = (await get('/units?per_page=500')).items; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); }
      await load(); await loadLocks();
    });
    const unitName = (id) => (units.value.find((u) => u.id === id) || {}).name || id;
    const jurName = (id) => (jurs.value.find((j) => j.id === id) || {}).name || id;
    return { page, vocab, roleZh, dialog, form, create, toggle, units, jurs, unitName, jurName, KIND_ZH, locks, loadLocks, lift };
  },
  template: `
  <div>
    <h2 class="page-title">用户管理</h2>
    <div class="toolbar"><el-button type="primary" @click="dialog=true">新增用户</el-button></div>
    <el-table :data="page.items" border stripe>
      <el-table-column prop="username" label="用户名" width="120" />
      <el-table-column prop="display_name" label="姓名/说明" />
      <el-table-column label="角色" width="150"><template #default="{ row }">{{ roleZh[row.role] || row.role }}</template></el-table-column>
      <el-table-column label="所属单位"><template #default="{ row }">{{ unitName(row.unit_id) }}</template></el-table-column>
      <el-table-column label="辖区范围" width="140"><template #default="{ row }">{{ jurName(row.jurisdiction_id) }}</template></el-table-column>
      <el-table-column label="状态" width="140"><template #default="{ row }">
        <el-tag :type="row.active ? 'success' : 'info'" size="small">{{ row.active ? '启用' : '停用' }}</el-tag>
        <el-button link size="small" @click="toggle(row)">{{ row.active ? '停用' : '启用' }}</el-button>
      </template></el-table-column>
    </el-table>
    <div class="toolbar" style="margin-top:20px"><h3 style="margin:0">登录失败与锁定</h3><el-button size="small" @click="loadLocks">刷新</el-button></div>
    <el-table :data="locks" border size="small" data-testid="locks" empty-text="近30分钟内没有登录失败的账号和地址">
      <el-table-column label="类型" width="90"><template #default="{ row }">{{ row.kind === 'account' ? '账号' : 'IP地址' }}</template></el-table-column>
      <el-table-column prop="name" label="账号 / 地址" />
      <el-table-column prop="failures" label="连续失败" width="90" />
      <el-table-column label="状态" width="110"><template #default="{ row }"><el-tag :type="{ locked: 'danger', slowed: 'warning', counting: 'info' }[row.state]" size="small">{{ { locked: '已锁定', slowed: '限速中', counting: '失败计数中' }[row.state] }}</el-tag></template></el-table-column>
      <el-table-column prop="until" label="限制至" width="180" />
      <el-table-column prop="last_failure" label="最近一次失败" width="180" />
      <el-table-column label="操作" width="90"><template #default="{ row }"><el-button link type="primary" size="small" @click="lift(row)" data-testid="lift">解除</el-button></template></el-table-column>
    </el-table>
    <el-dialog v-model="dialog" title="新增用户" width="480px">
      <el-form label-width="80px">
        <el-form-item label="用户名"><el-input v-model="form.username" /></el-form-item>
        <el-form-item label="姓名"><el-input v-model="form.display_name" /></el-form-item>
        <el-form-item label="初始密码"><el-input v-model="form.password" type="password" show-password placeholder="至少8位" /></el-form-item>
        <el-form-item label="角色"><el-select v-model="form.role"><el-option v-for="r in vocab.roles" :key="r.code" :label="r.zh" :value="r.code" /></el-select></el-form-item>
        <el-form-item label="所属单位"><el-select v-model="form.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="辖区范围"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" /></el-select></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">保存</el-button></template>
    </el-dialog>
  </div>`,
};

const KeysPage = {
  setup() {
    const rows = ref([]); const units = ref([]); const jurs = ref([]);
    const dialog = ref(false); const form = reactive({ name: '', unit_id: null, jurisdiction_id: null, permissions: ['decide', 'registry_read'] });
    const secret = ref('');
    async function load() { try { rows.value = await get('/api-keys'); } catch (e) { fail(e); } }
    async function create() { try { const k = await post('/api-keys', form); secret.value = k.secret; dialog.value = false; await load(); } catch (e) { fail(e); } }
    async function revoke(k) {
      try { await ElMessageBox.confirm('吊销后该系统将立即无法访问，确定吊销？', '吊销密钥'); await api('DELETE', '/api-keys/' + k.id); await load(); }
      catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    onMounted(async () => { try { units.value = (await get('/units?per_page=500')).items; jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); } await load(); });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    return { rows, units, jurs, dialog, form, create, revoke, secret, fmt };
  },
  template: `
  <div>
    <h2 class="page-title">接口密钥（银行、运营商系统）</h2>
    <div class="toolbar"><el-button type="primary" @click="dialog=true">签发密钥</el-button></div>
    <el-alert v-if="secret" type="success" :closable="false" style="margin-bottom:12px" :title="'请立即保存，密钥只显示这一次：' + secret" />
    <el-table :data="rows" border stripe>
      <el-table-column prop="prefix" label="密钥前缀" width="170" />
      <el-table-column prop="name" label="名称" />
      <el-table-column prop="permissions" label="权限" />
      <el-table-column label="签发时间" width="180"><template #default="{ row }">{{ fmt(row.created_at) }}</template></el-table-column>
      <el-table-column label="状态" width="160"><template #default="{ row }">
        <el-tag v-if="row.revoked_at" type="info" size="small">已吊销</el-tag>
        <template v-else><el-tag type="success" size="small">有效</el-tag> <el-button link type="danger" size="small" @click="revoke(row)">吊销</el-button></template>
      </template></el-table-column>
    </el-table>
    <el-dialog v-model="dialog" title="签发接口密钥" width="480px">
      <el-form label-width="80px">
        <el-form-item label="名称"><el-input v-model="form.name" placeholder="如：农商行核心系统" /></el-form-item>
        <el-form-item label="所属单位"><el-select v-model="form.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="辖区范围"><el-select v-model="form.jurisdiction_id" filterable><el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name" :value="j.id" /></el-select></el-form-item>
        <el-form-item label="权限"><el-checkbox-group v-model="form.permissions"><el-checkbox value="decide">交易决策</el-checkbox><el-checkbox value="registry_read">读取机构信息</el-checkbox></el-checkbox-group></el-form-item>
      </el-form>
      <template #footer><el-button @click="dialog=false">取消</el-button><el-button type="primary" @click="create">签发</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Audit -----------------------------------------------------------------------------------
const AuditPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ action: '', actor_name: '', object_type: '', page: 1, per_page: 20 });
    const verify = ref(null);
    async function load() { try { page.value = await get('/audit?' + qs(q)); } catch (e) { fail(e); } }
    async function check() { try { verify.value = await get('/audit/verify'); } catch (e) { fail(e); } }
    onMounted(load);
    return { page, q, load, verify, check, ACTION_ZH, AUDIT_FIELD_ZH, OBJECT_ZH, SYSTEM_ACTOR_ZH, auditObjectId };
  },
  template: `
  <div>
    <h2 class="page-title">审计日志</h2>
    <div class="toolbar">
      <el-select v-model="q.action" placeholder="操作" clearable style="width:150px" @change="q.page=1;load()"><el-option v-for="(zh, k) in ACTION_ZH" :key="k" :label="zh" :value="k" /></el-select>
      <el-input v-model="q.actor_name" placeholder="操作人" style="width:140px" clearable @change="q.page=1;load()" />
      <el-button @click="load">查询</el-button>
      <el-button type="warning" @click="check" data-testid="verify">校验日志完整性</el-button>
      <el-tag v-if="verify && verify.ok" type="success" data-testid="verify-result">哈希链完整，共校验 {{ verify.checked }} 条</el-tag>
      <el-tag v-if="verify && !verify.ok" type="danger" data-testid="verify-result">第 {{ verify.broken_at }} 条被篡改：{{ verify.reason }}</el-tag>
    </div>
    <el-table :data="page.items" border stripe size="small" data-testid="audit">
      <el-table-column prop="seq" label="序号" width="80" />
      <el-table-column prop="at" label="时间" width="170" />
      <el-table-column label="操作人" width="200"><template #default="{ row }">{{ row.actor_kind === 'system' ? '系统（' + (SYSTEM_ACTOR_ZH[row.actor_name] || row.actor_name) + '）' : row.actor_kind === 'api_key' ? '接口密钥 ' + row.actor_name : row.actor_label }}</template></el-table-column>
      <el-table-column label="操作" width="110"><template #default="{ row }">{{ ACTION_ZH[row.action] || row.action }}</template></el-table-column>
      <el-table-column label="对象" width="170"><template #default="{ row }">{{ OBJECT_ZH[row.object_type] || row.object_type }} {{ auditObjectId(row.object_id) }}</template></el-table-column>
      <el-table-column label="字段" width="170"><template #default="{ row }">{{ row.fields.map(f => AUDIT_FIELD_ZH[f] || f).join('、') }}</template></el-table-column>
      <el-table-column prop="reason" label="事由" />
      <el-table-column prop="ip" label="地址" width="120" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
  </div>`,
};

// ---- Warnings --------------------------------------------------------------------------------
const SCENARIO_ZH = {
  upstream: '上级下发', victim: '群众疑似正在被骗', fraud_account: '收款账户疑似涉诈', mule: '账户疑似跑分/洗钱' };
const CHECKLIST_ZH = { told_method: '已讲清所涉诈骗手法', checked_money: '已核实资金是否已转出', stopped_transfer: '已阻止转账或协助止付', app_installed: '已指导安装国家反诈中心App', family_told: '已告知家属或监护人', pledge: '已签署或口述反诈承诺', followup: '已约定回访' };
const GRADE = { high: ['高', 'danger'], medium: ['中', 'warning'], low: ['低', 'info'] };
const STATE_ZH = { received: '待签收', signed_for: '已签收', contacting: '联系中', face_to_face: '已见面', closed: '已办结' };
const OUTCOME_ZH = { dissuaded: '劝阻成功', already_defrauded: '已被骗', false_positive: '误报', unreachable: '联系不上', refused: '拒不配合' };
const NEXT_ZH = { sign_for: '签收', contact: '联系', visit: '见面' };
const STEP_ZH = { sign_for: '签收', contact: '联系', visit: '见面劝阻', close: '办结' };
const CHANNEL_ZH = { phone: '电话', sms: '短信', robot_call: '机器人外呼', family: '联系家属' };
/** How long after the warning a step was taken. */
const after = (row, at) => { const m = Math.round((at - row.created_at) / 60000); return m >= 60 ? `${Math.floor(m / 60)}小时${m % 60}分` : `${m}分钟`; };

// 办理记录 of one warning: its steps and its evidence files, in the table's expanded row and
// under a card on a phone.
const WarningRecord = {
  props: { row: Object, steps: Array, files: Array },
  setup() {
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    return { fmt, after, STEP_ZH, CHANNEL_ZH, OUTCOME_ZH, CHECKLIST_ZH };
  },
  template: `
        <div class="warning-history" data-testid="warning-history">
          <div class="muted">预警时间 {{ fmt(row.created_at) }}<span v-if="!steps.length">，尚无办理记录</span></div>
          <el-timeline v-if="steps.length" style="margin-top:8px">
            <el-timeline-item v-for="(h, i) in steps" :key="i" :timestamp="fmt(h.at_ms) + '（预警后' + after(row, h.at_ms) + '）'">
              <b>{{ STEP_ZH[h.step] || h.step }}</b><span v-if="h.channel">（{{ CHANNEL_ZH[h.channel] || h.channel }}）</span>
              <span v-if="h.step === 'close' && row.outcome">：{{ OUTCOME_ZH[row.outcome] }}</span>
              · {{ h.actor }}<span v-if="h.note"> · {{ h.note }}</span>
              <div v-if="h.checklist" class="muted">{{ h.checklist.split(',').map((k) => CHECKLIST_ZH[k] || k).join('；') }}</div>
            </el-timeline-item>
          </el-timeline>
          <div v-if="files.length" data-testid="warning-evidence">现场材料：
            <a v-for="f in files" :key="f.id" :href="'/api/v1/warnings/' + row.id + '/evidence/' + f.id" target="_blank" rel="noopener" style="margin-right:12px">
              {{ f.kind === 'photo' ? '照片' : '录音' }}（{{ Math.max(1, Math.round(f.size_bytes / 1024)) }} KB，{{ f.uploaded_by }}，{{ fmt(f.uploaded_at) }}）<span v-if="f.note"> {{ f.note }}</span></a>
          </div>
        </div>
`,
};

const WarningsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20, open: false });
    const live = ref([]); const connected = ref(false); const perMinute = ref({});
    const now = ref(Date.now()); let tick = null;
    async function load() { try { page.value = await get('/warnings?' + qs(q)); } catch (e) { fail(e); } }
    let source = null; let reload = null;
    // 办理记录: the steps of a warning, read when its row is opened and again after each step
    // taken on it while it is open.
    const history = ref({}); const evidence = ref({});
    async function reread(row) {
      try {
        const [steps, files] = await Promise.all([get(`/warnings/${row.id}/steps`), get(`/warnings/${row.id}/evidence`)]);
        history.value = { ...history.value, [row.id]: steps }; evidence.value = { ...evidence.value, [row.id]: files };
      } catch (e) { fail(e); }
    }
    onMounted(() => {
      load();
      tick = setInterval(() => { now.value = Date.now(); }, 1000);
      // The live feed pushes each new warning of the user's area as it is raised.
      source = new EventSource('/api/v1/warnings/live');
      source.onopen = () => { connected.value = true; };
      source.onerror = () => { connected.value = false; };
      source.addEventListener('warning', (ev) => {
        const w = JSON.parse(ev.data);
        live.value = [w, ...live.value].slice(0, 50);
        const m = new Date().toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });
        perMinute.value = { ...perMinute.value, [m]: (perMinute.value[m] || 0) + 1 };
        if (q.page === 1) { clearTimeout(reload); reload = setTimeout(load, 500); }
      });
    });
    Vue.onUnmounted(() => { if (source) source.close(); clearTimeout(reload); clearInterval(tick); });
    const left = (row) => {
      if (!row.due_by_ms) return '';
      const s = Math.round((row.due_by_ms - now.value) / 1000); const a = Math.abs(s);
      const t = a >= 3600 ? `${Math.floor(a / 3600)}时${Math.floor((a % 3600) / 60)}分` : `${Math.floor(a / 60)}分${a % 60}秒`;
      return s >= 0 ? '剩余 ' + t : '超时 ' + t;
    };
    async function step(row, body) {
      try { await post(`/warnings/${row.id}/steps`, body); ElMessage.success('已记录'); load(); if (history.value[row.id]) reread(row); } catch (e) { fail(e); }
    }
    // 联系 and 办结: the coded choices as controls in Chinese, and what the officer found in words.
    const stepForm = reactive({ open: false, row: null, step: '', channel: 'phone', outcome: 'dissuaded', items: [], note: '' });
    function contact(row) { Object.assign(stepForm, { open: true, row, step: 'contact', channel: 'phone', note: '' }); }
    function close(row) { Object.assign(stepForm, { open: true, row, step: 'close', outcome: 'dissuaded', items: [], note: '' }); }
    async function saveStep() {
      const f = stepForm;
      if (f.step === 'close' && f.outcome === 'dissuaded' && !f.items.length) { ElMessage.warning('劝阻成功须勾选至少一项劝阻内容'); return; }
      const body = f.step === 'contact' ? { step: 'contact', channel: f.channel, note: f.note.trim() || undefined }
        : { step: 'close', outcome: f.outcome, checklist: f.items, note: f.note.trim() || undefined };
      f.open = false;
      await step(f.row, body);
    }
    // 见面劝阻: the checklist and a photo or recording, as the officer records them in the field.
    const visitForm = reactive({ open: false, row: null, items: [], file: null, note: '' });
    function visit(row) { Object.assign(visitForm, { open: true, row, items: [], file: null, note: '' }); }
    async function saveVisit() {
      const row = visitForm.row;
      if (!visitForm.items.length) { ElMessage.warning('请勾选至少一项劝阻内容'); return; }
      try {
        await post(`/warnings/${row.id}/steps`, { step: 'visit', checklist: visitForm.items });
        if (visitForm.file) {
          const fd = new FormData(); fd.append('file', visitForm.file); fd.append('note', visitForm.note);
          await api('POST', `/warnings/${row.id}/evidence`, fd, true);
        }
        visitForm.open = false; ElMessage.success('已记录见面劝阻'); load(); if (history.value[row.id]) reread(row);
      } catch (e) { fail(e); }
    }
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const rules = (f) => { try { return JSON.parse(f).map((x) => x.rule).join('、'); } catch { return f; } };
    const chart = computed(() => {
      const keys = Object.keys(perMinute.value).slice(-30);
      return { grid: { left: 30, right: 10, top: 20, bottom: 20 }, tooltip: {}, xAxis: { type: 'category', data: keys }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '新预警', data: keys.map((k) => perMinute.value[k]), itemStyle: { color: '#e6553a' } }] };
    });
    // Warnings handed over by the national/provincial/city platforms, 96110, banks, operators.
    const upstream = ref(null);
    async function importUpstream(ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try {
        upstream.value = await api('POST', '/warnings/upstream/import', fd, true);
        ElMessage.success(`接收 ${upstream.value.accepted} 条，其中派至派出所 ${upstream.value.routed} 条，其余进入中心待派队列`); load();
      } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function opened(row, rows) {
      if (rows.some((r) => r.id === row.id)) await reread(row);
    }
    // On a phone each warning is a card; its record opens under it as a row's does in the table.
    const shown = ref({});
    async function toggleRecord(row) {
      const open = !shown.value[row.id];
      shown.value = { ...shown.value, [row.id]: open };
      if (open) await reread(row);
    }
    return { page, q, load, fmt, yuan, rules, SCENARIO_ZH, GRADE, live, connected, chart, left, step, contact, close, stepForm, saveStep, STATE_ZH, OUTCOME_ZH, NEXT_ZH, can, upstream, importUpstream, visitForm, visit, saveVisit, CHECKLIST_ZH, history, evidence, opened, STEP_ZH, CHANNEL_ZH, after, viewport, shown, toggleRecord };
  },
  components: { EChart, WarningRecord },
  template: `
  <div>
    <h2 class="page-title">预警信息
      <el-tag size="small" :type="connected ? 'success' : 'info'" data-testid="live-state">{{ connected ? '实时推送已连接' : '实时推送未连接' }}</el-tag>
      <label v-if="can('upstream_push')" class="el-button el-button--small" style="margin-left:8px">导入上级下发预警（CSV/XLSX）<input type="file" accept=".csv,.xlsx" style="display:none" @change="importUpstream" data-testid="upstream-import" /></label></h2>
    <el-alert v-if="upstream && upstream.rejected.length" type="warning" :closable="true" style="margin-bottom:8px" :title="'以下行未导入：' + upstream.rejected.map((e) => '第' + e.row + '行' + e.message_zh).join('；')" />
    <el-row :gutter="12" style="margin-bottom:12px">
      <el-col :span="14">
        <el-card><template #header>实时预警（本辖区，最新在上）</template>
          <el-empty v-if="!live.length" description="暂无新预警，新预警产生时会立即出现在这里" :image-size="60" />
          <div v-else class="live-feed" data-testid="live-feed">
            <div v-for="w in live" :key="w.id" class="live-item">
              <el-tag :type="(GRADE[w.grade] || [])[1]" size="small">{{ (GRADE[w.grade] || [w.grade])[0] }}</el-tag>
              <b>{{ w.action === 'hold' ? '拦截' : '预警' }}</b>
              <span>{{ SCENARIO_ZH[w.scenario] || w.scenario }}</span>
              <span>{{ w.subject }}</span>
              <span>{{ yuan(w.amount_fen) }} 元</span>
              <span class="muted">{{ w.rules.join('、') }} · {{ fmt(w.event_ts) }}</span>
            </div>
          </div>
        </el-card>
      </el-col>
      <el-col :span="10" class="wide-only"><el-card><template #header>每分钟新预警</template><EChart :option="chart" style="height:180px" /></el-card></el-col>
    </el-row>
    <el-checkbox v-model="q.open" @change="q.page = 1; load()" style="margin-bottom:8px">只看未办结</el-checkbox>
    <div v-if="viewport.narrow" data-testid="warning-cards">
      <el-empty v-if="!page.items.length" description="暂无预警" :image-size="60" />
      <el-card v-for="row in page.items" :key="row.id" shadow="never" class="warning-card" data-testid="warning-card">
        <div class="warning-card-head">
          <el-tag :type="(GRADE[row.grade] || [])[1]" size="small">{{ (GRADE[row.grade] || [row.grade])[0] }}</el-tag>
          <b>{{ row.action === 'hold' ? '拦截' : '预警' }}</b> {{ SCENARIO_ZH[row.scenario] || row.scenario }}
          <span class="muted" style="margin-left:auto">{{ fmt(row.event_ts) }}</span>
        </div>
        <div>对象 <span class="masked">{{ row.subject }}</span> · {{ yuan(row.amount_fen) }} 元</div>
        <div>{{ STATE_ZH[row.status] || row.status }}<span v-if="row.outcome">（{{ OUTCOME_ZH[row.outcome] }}）</span>
          <span v-if="row.next_step" :class="row.escalation !== 'none' ? 'worse' : ''"> · {{ NEXT_ZH[row.next_step] }} {{ left(row) }}</span>
          <el-tag v-if="row.escalation === 'station_chief'" size="small" type="warning">已报所领导</el-tag>
          <el-tag v-if="row.escalation === 'centre'" size="small" type="danger">已报反诈中心</el-tag>
        </div>
        <div class="warning-card-actions">
          <el-button v-if="row.status === 'received'" type="primary" @click="step(row, { step: 'sign_for' })">签收</el-button>
          <template v-else-if="row.status !== 'closed'">
            <el-button @click="contact(row)">联系</el-button>
            <el-button @click="visit(row)" data-testid="visit">见面</el-button>
            <el-button type="primary" @click="close(row)">办结</el-button>
          </template>
          <el-button link @click="toggleRecord(row)" data-testid="card-record">{{ shown[row.id] ? '收起记录' : '办理记录' }}</el-button>
        </div>
        <WarningRecord v-if="shown[row.id]" :row="row" :steps="history[row.id] || []" :files="evidence[row.id] || []" />
      </el-card>
    </div>
    <el-table v-else :data="page.items" border stripe data-testid="warnings" row-key="id" @expand-change="opened">
      <el-table-column type="expand"><template #default="{ row }">
        <WarningRecord :row="row" :steps="history[row.id] || []" :files="evidence[row.id] || []" />
      </template></el-table-column>
      <el-table-column label="时间" width="170"><template #default="{ row }">{{ fmt(row.event_ts) }}</template></el-table-column>
      <el-table-column label="办理状态" width="110"><template #default="{ row }">{{ STATE_ZH[row.status] || row.status }}<span v-if="row.outcome">（{{ OUTCOME_ZH[row.outcome] }}）</span></template></el-table-column>
      <el-table-column label="时限" width="170"><template #default="{ row }">
        <span v-if="row.next_step" :class="row.escalation !== 'none' ? 'worse' : ''">{{ NEXT_ZH[row.next_step] }} {{ left(row) }}</span>
        <el-tag v-if="row.escalation === 'station_chief'" size="small" type="warning">已报所领导</el-tag>
        <el-tag v-if="row.escalation === 'centre'" size="small" type="danger">已报反诈中心</el-tag>
      </template></el-table-column>
      <el-table-column label="办理" width="150" fixed="right"><template #default="{ row }">
        <el-button v-if="row.status === 'received'" size="small" type="primary" @click="step(row, { step: 'sign_for' })">签收</el-button>
        <template v-else-if="row.status !== 'closed'">
          <el-button size="small" link @click="contact(row)">联系</el-button>
          <el-button size="small" link @click="visit(row)" data-testid="visit">见面</el-button>
          <el-button size="small" link type="primary" @click="close(row)">办结</el-button>
        </template>
      </template></el-table-column>
      <el-table-column label="等级" width="70"><template #default="{ row }"><el-tag :type="(GRADE[row.grade] || [])[1]" size="small">{{ (GRADE[row.grade] || [row.grade])[0] }}</el-tag></template></el-table-column>
      <el-table-column label="处置" width="80"><template #default="{ row }">{{ row.action === 'hold' ? '拦截' : '预警' }}</template></el-table-column>
      <el-table-column label="场景" width="150"><template #default="{ row }">{{ SCENARIO_ZH[row.scenario] || row.scenario }}</template></el-table-column>
      <el-table-column prop="subject" label="对象" width="170" />
      <el-table-column prop="payer" label="付款账户" width="170" />
      <el-table-column prop="payee" label="收款账户" width="170" />
      <el-table-column label="金额(元)" width="120"><template #default="{ row }">{{ yuan(row.amount_fen) }}</template></el-table-column>
      <el-table-column label="命中规则"><template #default="{ row }">{{ rules(row.fired) }}</template></el-table-column>
      <el-table-column prop="fraud_type_hint" label="类型提示" width="160" />
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="stepForm.open" :title="stepForm.step === 'contact' ? '记录联系' : '办结'" width="min(460px, 94vw)" data-testid="step-dialog">
      <el-form label-width="80px" size="small">
        <el-form-item v-if="stepForm.step === 'contact'" label="联系方式">
          <el-radio-group v-model="stepForm.channel" data-testid="step-channel"><el-radio v-for="(zh, k) in CHANNEL_ZH" :key="k" :value="k">{{ zh }}</el-radio></el-radio-group>
        </el-form-item>
        <template v-else>
          <el-form-item label="处置结果">
            <el-radio-group v-model="stepForm.outcome" data-testid="step-outcome"><el-radio v-for="(zh, k) in OUTCOME_ZH" :key="k" :value="k">{{ zh }}</el-radio></el-radio-group>
          </el-form-item>
          <el-form-item label="劝阻内容">
            <el-checkbox-group v-model="stepForm.items" style="display:flex;flex-direction:column" data-testid="step-checklist">
              <el-checkbox v-for="(zh, k) in CHECKLIST_ZH" :key="k" :value="k">{{ zh }}</el-checkbox>
            </el-checkbox-group>
          </el-form-item>
        </template>
        <el-form-item :label="stepForm.step === 'contact' ? '联系情况' : '情况说明'">
          <el-input v-model="stepForm.note" type="textarea" :rows="3" maxlength="500" show-word-limit data-testid="step-note"
            :placeholder="stepForm.step === 'contact' ? '如：当事人称正在与自称客服的人通话，已提醒勿转账' : '如：当事人已知晓骗局，资金未转出'" />
        </el-form-item>
      </el-form>
      <template #footer><el-button @click="stepForm.open = false">取消</el-button><el-button type="primary" @click="saveStep" data-testid="step-save">记录</el-button></template>
    </el-dialog>
    <el-dialog v-model="visitForm.open" title="见面劝阻" width="min(460px, 94vw)">
      <el-checkbox-group v-model="visitForm.items" style="display:flex;flex-direction:column" data-testid="visit-checklist">
        <el-checkbox v-for="(zh, k) in CHECKLIST_ZH" :key="k" :value="k">{{ zh }}</el-checkbox>
      </el-checkbox-group>
      <div style="margin-top:8px">现场照片或录音（JPEG/PNG/MP3/M4A/WAV/AMR，10MB以内）：<input type="file" accept="image/jpeg,image/png,audio/*" @change="e => visitForm.file = e.target.files[0]" data-testid="visit-file" /></div>
      <div v-if="viewport.narrow" style="margin-top:6px"><label class="el-button el-button--small">拍照<input type="file" accept="image/*" capture="environment" style="display:none" @change="e => visitForm.file = e.target.files[0]" data-testid="visit-camera" /></label>
        <span v-if="visitForm.file" class="muted">已选：{{ visitForm.file.name }}</span></div>
      <el-input v-model="visitForm.note" size="small" placeholder="说明（可选）" style="margin-top:6px" />
      <template #footer><el-button @click="visitForm.open = false">取消</el-button><el-button type="primary" @click="saveVisit" data-testid="visit-save">记录</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Rules and fraud lists ---------------------------------------------------------------------
const LIST_KIND_ZH = { account: '账户', phone: '电话', url: '网址', device: '设备' };
// A rule's kind and settings as the centre reads them (the ruleset file keeps the codes).
const RULE_KIND_ZH = {
  list_payee: '收款账户在名单', list_device: '设备在名单', listed_call_before: '转账前接触涉诈号码', risky_call_before: '转账前接触高风险来电',
  first_to_payee: '首次向该账户转账', amount_spike: '金额远超以往', payer_count: '多名付款人汇入', payer_sum: '多方汇入金额大',
  distinct_counterparties: '交易对手众多', pass_through: '快进快出', new_account: '新开账户', dormant_woken: '久未使用后启用', model: '学习模型评分',
};
const SIDE_ZH = { payer: '付款方', payee: '收款方' };
function secondsZh(s) {
  const n = Number(s);
  if (n % 86400 === 0) return `${n / 86400}天`;
  if (n % 3600 === 0) return `${n / 3600}小时`;
  if (n % 60 === 0) return `${n / 60}分钟`;
  return `${n}秒`;
}
function paramZh(k, v) {
  switch (k) {
    case 'colour': return v === 'red' ? '红名单' : v === 'amber' ? '黄名单' : `名单 ${v}`;
    case 'window_s': return `时间窗 ${secondsZh(v)}`;
    case 'age_s': return `开户不满 ${secondsZh(v)}`;
    case 'idle_s': return `闲置超过 ${secondsZh(v)}`;
    case 'min_fen': return `金额不少于 ${(v / 100).toLocaleString('zh-CN')} 元`;
    case 'min': return `至少 ${v}`;
    case 'min_history': return `至少 ${v} 笔历史交易`;
    case 'factor': return `超过以往 ${v} 倍`;
    case 'ratio': return `转出比例不低于 ${Math.round(v * 100)}%`;
    case 'min_share': return `占比不低于 ${Math.round(v * 100)}%`;
    case 'min_score': return `模型评分不低于 ${v}`;
    case 'side': return `看${SIDE_ZH[v] || v}`;
    case 'overseas': return v ? '含境外来电' : '不含境外来电';
    case 'virtual_operator': return v ? '含虚拟运营商号段' : '不含虚拟运营商号段';
    case 'spoofed': return v ? '含改号来电' : '不含改号来电';
    case 'new_only': return v ? '只计时间窗内新建立的交易对手' : '计所有交易对手';
    default: return `${k}=${v}`;
  }
}
const RulesPage = {
  setup() {
    const rs = ref(null); const lists = ref([]); const versions = ref([]); const dead = ref({ items: [], total: 0 }); const clues = ref({ items: [], total: 0 });
    const viewing = ref(null);
    const form = reactive({ op: 'add', kind: 'account', value: '', colour: 'amber', source: '', valid_to: '' });
    const upload = ref(false); const toml = ref('');
    // The list can hold thousands of entries: filter and page it here (the API sends it whole,
    // newest first).
    const lf = reactive({ colour: '', kind: '', q: '', page: 1 });
    const LIST_PAGE = 20;
    const listShown = computed(() => {
      const q = lf.q.trim();
      return lists.value.filter((e) => (!lf.colour || e.colour === lf.colour) && (!lf.kind || e.kind === lf.kind) && (!q || e.value.includes(q) || (e.source || '').includes(q)));
    });
    const listPage = computed(() => listShown.value.slice((lf.page - 1) * LIST_PAGE, lf.page * LIST_PAGE));
    watch(() => [lf.colour, lf.kind, lf.q], () => { lf.page = 1; });
    const listState = (e) => (e.active ? '生效中' : (e.valid_to_ms && e.valid_to_ms <= Date.now() ? '已过期' : '未生效'));
    async function load() {
      try {
        rs.value = await get('/engine/ruleset'); lists.value = await get('/engine/lists'); versions.value = await get('/engine/rulesets');
        if (can('list_write')) { dead.value = await get('/engine/dead-letters?per_page=20'); clues.value = await get('/clues?per_page=50'); }
      } catch (e) { fail(e); }
    }
    const note = ref('');
    async function replace() {
      try {
        rs.value = await api('PUT', '/engine/ruleset', { toml: toml.value, note: note.value }); upload.value = false; note.value = '';
        versions.value = await get('/engine/rulesets');
        ElMessage.success('规则已更新为版本 ' + rs.value.version + '，下一笔交易即生效');
      } catch (e) { fail(e); }
    }
    async function view(v) { try { viewing.value = await get('/engine/rulesets/' + encodeURIComponent(v)); } catch (e) { fail(e); } }
    function restore() {
      // An old file goes back in force under a new version number, so history stays linear.
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
      toml.value = viewing.value.toml.replace(/^version\s*=\s*"[^"]*"/m, `version = "${viewing.value.version}-r${stamp}"`);
      note.value = '恢复自版本 ' + viewing.value.version; viewing.value = null; upload.value = true;
    }
    async function submit() {
      if (form.op === 'add' && form.colour === 'red') {
        try { await ElMessageBox.confirm(`加入红名单后，涉及「${form.value}」的交易将被立即拦截。确认加入？`, '立即拦截', { type: 'warning', confirmButtonText: '确认加入' }); } catch { return; }
      }
      try { lists.value = await post('/engine/lists', { ...form, valid_to: form.valid_to ? new Date(form.valid_to).toISOString() : null }); form.value = ''; ElMessage.success('名单已更新，下一笔交易即生效'); }
      catch (e) { fail(e); }
    }
    const scen = (id) => (rs.value ? (rs.value.scenario.find((x) => x.id === id) || {}).name_zh : id);
    const params = (r) => Object.entries(r).filter(([k]) => !['id', 'name_zh', 'scenario', 'weight', 'fraud_types', 'enabled', 'kind'].includes(k)).map(([k, v]) => paramZh(k, v)).join('，');
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '长期');
    onMounted(load);
    async function review(c, confirmed) {
      let reward = '';
      if (confirmed) { try { reward = (await ElMessageBox.prompt('举报奖励金额（元，可为0）', '确认线索并列入红名单', { inputValue: '0' })).value; } catch { return; } }
      try { await post(`/clues/${c.id}/review`, { confirmed, reward_yuan: reward === '0' ? '' : reward }); await load(); ElMessage.success(confirmed ? '已确认，已列入红名单' : '已驳回'); } catch (e) { fail(e); }
    }
    return { rs, lists, form, submit, scen, params, fmt, can, LIST_KIND_ZH, RULE_KIND_ZH, upload, toml, replace, versions, dead, viewing, view, restore, note, clues, review, lf, LIST_PAGE, listShown, listPage, listState };
  },
  template: `
  <div>
    <h2 class="page-title">规则与涉诈名单 <el-tag v-if="rs" size="small">规则版本 {{ rs.version }}</el-tag>
      <el-button v-if="can('list_write')" size="small" style="margin-left:8px" @click="upload = true">更新规则文件</el-button></h2>
    <el-dialog v-model="upload" title="更新规则（TOML，须使用新版本号）" width="720px">
      <el-input v-model="toml" type="textarea" :rows="18" placeholder="粘贴完整的规则文件" />
      <el-input v-model="note" placeholder="变更说明（记入版本历史）" style="margin-top:8px" />
      <template #footer><el-button @click="upload = false">取消</el-button><el-button type="primary" @click="replace">校验并启用</el-button></template>
    </el-dialog>
    <el-card v-if="rs" style="margin-bottom:12px">
      <template #header>预警场景</template>
      <el-table :data="rs.scenario" size="small" border>
        <el-table-column prop="name_zh" label="场景" width="200" />
        <el-table-column prop="warn" label="预警阈值" width="100" />
        <el-table-column prop="hold" label="拦截阈值" width="100" />
        <el-table-column prop="fraud_type_hint" label="类型提示" />
      </el-table>
    </el-card>
    <el-card v-if="rs" style="margin-bottom:12px">
      <template #header>规则</template>
      <el-table :data="rs.rule" size="small" border data-testid="rules">
        <el-table-column prop="id" label="编号" width="70" />
        <el-table-column prop="name_zh" label="名称" width="220" />
        <el-table-column label="场景" width="150"><template #default="{ row }">{{ scen(row.scenario) }}</template></el-table-column>
        <el-table-column prop="weight" label="分值" width="70" />
        <el-table-column label="条件"><template #default="{ row }">{{ RULE_KIND_ZH[row.kind] || row.kind }}<span v-if="params(row)">：{{ params(row) }}</span></template></el-table-column>
        <el-table-column label="适用诈骗类型" width="240"><template #default="{ row }">{{ (row.fraud_types || []).map(t => t === 'all' ? '全部类型' : t).join('、') }}</template></el-table-column>
      </el-table>
    </el-card>
    <el-card style="margin-bottom:12px">
      <template #header>规则版本历史</template>
      <el-table :data="versions" size="small" border data-testid="ruleset-versions">
        <el-table-column prop="version" label="版本" width="220" />
        <el-table-column label="启用时间" width="180"><template #default="{ row }">{{ fmt(row.created_at) }}</template></el-table-column>
        <el-table-column label="启用人" width="120"><template #default="{ row }">{{ row.created_by === 'system' ? '系统' : row.created_by }}</template></el-table-column>
        <el-table-column prop="note" label="说明" />
        <el-table-column label="" width="90"><template #default="{ row }"><el-button link type="primary" @click="view(row.version)">查看</el-button></template></el-table-column>
      </el-table>
    </el-card>
    <el-dialog :model-value="!!viewing" @update:model-value="viewing = null" :title="viewing ? '规则版本 ' + viewing.version : ''" width="760px">
      <pre v-if="viewing" class="toml">{{ viewing.toml }}</pre>
      <template #footer><el-button v-if="can('list_write') && viewing && rs && viewing.version !== rs.version" type="warning" @click="restore">以新版本号恢复此规则</el-button></template>
    </el-dialog>
    <el-card v-if="can('list_write')" style="margin-bottom:12px">
      <template #header>群众举报线索（共 {{ clues.total }} 条；公开举报页：<a href="/report.html" target="_blank">/report.html</a>）</template>
      <el-table :data="clues.items" size="small" border data-testid="clues">
        <el-table-column prop="ref_no" label="受理编号" width="190" />
        <el-table-column label="类型" width="80"><template #default="{ row }">{{ ({ phone: '电话', url: '网址', account: '账户', message: '短信' })[row.kind] }}</template></el-table-column>
        <el-table-column prop="value" label="线索" width="200" />
        <el-table-column label="经过"><template #default="{ row }">{{ row.description }}
          <a v-if="row.has_screenshot" :href="'/api/v1/clues/' + row.id + '/screenshot'" target="_blank">［截图］</a></template></el-table-column>
        <el-table-column label="提交时间" width="170"><template #default="{ row }">{{ fmt(row.submitted_at) }}</template></el-table-column>
        <el-table-column label="核查" width="190"><template #default="{ row }">
          <template v-if="row.status === 'new'"><el-button size="small" type="danger" @click="review(row, true)">确认</el-button><el-button size="small" @click="review(row, false)">驳回</el-button></template>
          <span v-else>{{ row.status === 'confirmed' ? '已确认' : '已驳回' }}{{ row.reward_fen ? '，奖励 ' + (row.reward_fen / 100) + ' 元' : '' }}</span>
        </template></el-table-column>
      </el-table>
    </el-card>
    <el-card v-if="can('list_write')" style="margin-bottom:12px">
      <template #header>数据流异常消息（死信，共 {{ dead.total }} 条；内容加密保存）</template>
      <el-table :data="dead.items" size="small" border data-testid="dead-letters">
        <el-table-column label="接收时间" width="180"><template #default="{ row }">{{ fmt(row.received_at) }}</template></el-table-column>
        <el-table-column prop="source" label="来源" width="180" />
        <el-table-column prop="stream_seq" label="流序号" width="100" />
        <el-table-column prop="field" label="问题字段" width="120" />
        <el-table-column prop="reason" label="原因" />
      </el-table>
    </el-card>
    <el-card>
      <template #header>涉诈名单（红名单：立即拦截；黄名单：加分预警）</template>
      <el-form v-if="can('list_write')" inline size="small">
        <el-form-item><el-select v-model="form.op" style="width:90px"><el-option label="加入" value="add" /><el-option label="移除" value="remove" /></el-select></el-form-item>
        <el-form-item><el-select v-model="form.kind" style="width:90px"><el-option v-for="(zh, k) in LIST_KIND_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item><el-input v-model="form.value" placeholder="账号/号码/网址/设备号" style="width:200px" data-testid="list-value" /></el-form-item>
        <el-form-item><el-radio-group v-model="form.colour" data-testid="list-add-colour"><el-radio-button value="red">红名单</el-radio-button><el-radio-button value="amber">黄名单</el-radio-button></el-radio-group></el-form-item>
        <el-form-item><el-input v-model="form.source" placeholder="来源（案件编号等）" style="width:160px" /></el-form-item>
        <el-form-item><el-date-picker v-model="form.valid_to" type="datetime" placeholder="有效期至（可空）" /></el-form-item>
        <el-button type="primary" @click="submit" data-testid="list-submit">提交</el-button>
      </el-form>
      <el-form inline size="small" style="margin-top:8px">
        <el-form-item label="筛选"><el-select v-model="lf.colour" clearable placeholder="颜色" style="width:100px" data-testid="list-colour"><el-option label="红名单" value="red" /><el-option label="黄名单" value="amber" /></el-select></el-form-item>
        <el-form-item><el-select v-model="lf.kind" clearable placeholder="类型" style="width:100px"><el-option v-for="(zh, k) in LIST_KIND_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item><el-input v-model="lf.q" clearable placeholder="尾号或来源" style="width:180px" data-testid="list-q" /></el-form-item>
        <span class="muted" data-testid="list-count">共 {{ lists.length }} 条，符合 {{ listShown.length }} 条</span>
      </el-form>
      <el-table :data="listPage" size="small" border data-testid="lists">
        <el-table-column label="类型" width="70"><template #default="{ row }">{{ LIST_KIND_ZH[row.kind] || row.kind }}</template></el-table-column>
        <el-table-column prop="value" label="值（已脱敏）" min-width="180" />
        <el-table-column label="颜色" width="90"><template #default="{ row }"><el-tag :type="row.colour === 'red' ? 'danger' : 'warning'" size="small">{{ row.colour === 'red' ? '红名单' : '黄名单' }}</el-tag></template></el-table-column>
        <el-table-column prop="source" label="来源" min-width="160" />
        <el-table-column label="列入时间" width="170"><template #default="{ row }">{{ fmt(row.listed_ms) }}</template></el-table-column>
        <el-table-column label="有效期至" width="170"><template #default="{ row }">{{ fmt(row.valid_to_ms) }}</template></el-table-column>
        <el-table-column label="状态" width="80"><template #default="{ row }"><el-tag :type="row.active ? 'success' : 'info'" size="small">{{ listState(row) }}</el-tag></template></el-table-column>
      </el-table>
      <el-pagination v-if="listShown.length > LIST_PAGE" layout="prev, pager, next" :total="listShown.length" :page-size="LIST_PAGE" v-model:current-page="lf.page" style="margin-top:8px" />
    </el-card>
  </div>`,
};


// ---- Fund flows (资金追踪 / 跑分研判) ----------------------------------------------------------
const STOP_ZH = { cash_out: '取现', third_party: '第三方支付', unknown_bank: '境外/未知银行' };
const FlowPage = {
  components: { EChart },
  setup() {
    const q = reactive({ account: '', since: '', hops: 6, method: 'fifo', horizon_days: 30 });
    const result = ref(null); const loading = ref(false); const open = ref(new Set([0])); const picked = ref(null);
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const params = () => qs({ ...q, since: q.since ? new Date(q.since).toISOString() : '' });
    async function run() {
      if (!q.account || !q.since) { ElMessage.warning('请填写账户和起始时间'); return; }
      loading.value = true;
      try { result.value = await get('/flow/trace?' + params()); open.value = new Set([0]); picked.value = result.value.nodes[0]; } catch (e) { fail(e); }
      loading.value = false;
    }
    // Expanding: a node's children are shown once the node is opened (the start is open).
    const visible = computed(() => {
      const r = result.value; if (!r) return { nodes: [], edges: [] };
      const show = new Set([0]);
      let grew = true;
      while (grew) { grew = false; for (const e of r.edges) if (open.value.has(e.from) && show.has(e.from) && !show.has(e.to)) { show.add(e.to); grew = true; } }
      return { nodes: r.nodes.filter((n) => show.has(n.id)), edges: r.edges.filter((e) => show.has(e.from) && show.has(e.to)) };
    });
    const option = computed(() => {
      const v = visible.value; const perLevel = {};
      const nodes = v.nodes.map((n) => {
        const k = perLevel[n.level] = (perLevel[n.level] || 0) + 1;
        const colour = n.level === 0 ? '#409eff' : n.stop ? '#909399' : n.held_fen > 0 ? '#e6553a' : '#f0a020';
        return { id: String(n.id), name: n.account, x: n.level * 220, y: k * 70, symbolSize: n.level === 0 ? 46 : Math.min(60, 18 + Math.sqrt(n.held_fen / 100) / 4),
          itemStyle: { color: colour }, label: { show: true, position: 'bottom', formatter: `${n.account}\n${n.stop ? STOP_ZH[n.stop] : '留存 ' + yuan(n.held_fen)}` } };
      });
      const links = v.edges.map((e) => ({ source: String(e.from), target: String(e.to), label: { show: true, formatter: yuan(e.traced_fen) }, lineStyle: { width: 1 + Math.log10(1 + e.traced_fen / 100) } }));
      return { tooltip: { formatter: (p) => p.dataType === 'edge' ? `第${v.edges[p.dataIndex].hop}层 ${esc(fmt(v.edges[p.dataIndex].ts_ms))}<br>涉案 ${yuan(v.edges[p.dataIndex].traced_fen)} / 交易 ${yuan(v.edges[p.dataIndex].amount_fen)} 元` : esc(p.name) },
        series: [{ type: 'graph', layout: 'none', roam: true, draggable: true, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 8, data: nodes, links, edgeLabel: { fontSize: 10 }, emphasis: { focus: 'adjacency' } }] };
    });
    function onClick(p) {
      if (p.dataType !== 'node') return;
      const id = Number(p.data.id); picked.value = result.value.nodes[id];
      const s = new Set(open.value); if (s.has(id) && id !== 0) s.delete(id); else s.add(id); open.value = s;
    }
    function expandAll() { open.value = new Set(result.value.nodes.map((n) => n.id)); }
    // The workbook holds accounts in clear: the server asks why, and writes it to the audit log.
    async function exportXlsx() {
      let reason;
      try { ({ value: reason } = await ElMessageBox.prompt('导出的调证表含明文账号，将记入审计日志，请填写事由（如：向银行调取流水、申请止付）', '导出调证表', { inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      window.location.href = '/api/v1/flow/trace.xlsx?' + params() + '&' + qs({ reason });
    }
    // Mule analysis
    const m = reactive({ range: [], add_amber: false }); const mules = ref(null); const mLoading = ref(false);
    async function runMules() {
      if (!m.range || m.range.length !== 2) { ElMessage.warning('请选择时间范围'); return; }
      mLoading.value = true;
      try {
        mules.value = await post('/flow/mules', { from: new Date(m.range[0]).toISOString(), to: new Date(m.range[1]).toISOString(), add_amber: m.add_amber });
        if (m.add_amber) ElMessage.success(`已将 ${mules.value.added_amber} 个账户列入黄名单，待人工确认后转红名单`);
      } catch (e) { fail(e); }
      mLoading.value = false;
    }
    return { q, run, result, loading, option, onClick, picked, yuan, fmt, expandAll, exportXlsx, can, STOP_ZH, m, mules, mLoading, runMules, visible };
  },
  template: `
  <div>
    <h2 class="page-title">资金追踪与跑分研判</h2>
    <el-card style="margin-bottom:12px">
      <el-form inline size="small" @submit.prevent>
        <el-form-item label="受害账户"><el-input v-model="q.account" placeholder="转出账户号" style="width:200px" data-testid="trace-account" /></el-form-item>
        <el-form-item label="起始时间"><span data-testid="trace-since"><el-date-picker v-model="q.since" type="datetime" placeholder="被骗转账时间" /></span></el-form-item>
        <el-form-item label="层数"><el-input-number v-model="q.hops" :min="1" :max="10" style="width:100px" /></el-form-item>
        <el-form-item label="归集方法"><el-select v-model="q.method" style="width:120px"><el-option label="先进先出" value="fifo" /><el-option label="按比例" value="proportional" /></el-select></el-form-item>
        <el-form-item label="追踪天数"><el-input-number v-model="q.horizon_days" :min="1" :max="180" style="width:100px" /></el-form-item>
        <el-button type="primary" :loading="loading" @click="run" data-testid="trace-run">追踪</el-button>
      </el-form>
    </el-card>
    <template v-if="result">
      <el-row :gutter="12">
        <el-col :span="17">
          <el-card><template #header>资金流向图（滚轮缩放、拖动平移；点击账户展开/收起下一层）
              <el-button link type="primary" @click="expandAll">全部展开</el-button>
              <el-tag size="small" type="danger" style="margin-left:8px">转出 {{ yuan(result.traced_out_fen) }} 元，仍留存 {{ yuan(result.held_fen) }} 元</el-tag></template>
            <EChart :option="option" style="height:520px" @click="onClick" data-testid="trace-graph" />
          </el-card>
        </el-col>
        <el-col :span="7">
          <el-card v-if="picked" data-testid="trace-node"><template #header>账户详情</template>
            <el-descriptions :column="1" size="small" border>
              <el-descriptions-item label="账户">{{ picked.account }}</el-descriptions-item>
              <el-descriptions-item label="开户行">{{ picked.bank || '未知' }}</el-descriptions-item>
              <el-descriptions-item label="层级">第 {{ picked.level }} 层</el-descriptions-item>
              <el-descriptions-item label="首次流入">{{ picked.level ? fmt(picked.first_in_ms) : '-' }}</el-descriptions-item>
              <el-descriptions-item label="流入涉案资金">{{ yuan(picked.traced_in_fen) }} 元</el-descriptions-item>
              <el-descriptions-item label="转出涉案资金">{{ yuan(picked.traced_out_fen) }} 元</el-descriptions-item>
              <el-descriptions-item label="估计留存">{{ yuan(picked.held_fen) }} 元</el-descriptions-item>
              <el-descriptions-item v-if="picked.stop" label="资金去向">{{ STOP_ZH[picked.stop] }}（不再追踪）</el-descriptions-item>
              <el-descriptions-item v-if="picked.frontier" label="提示">已达层数上限，资金可能继续流出</el-descriptions-item>
            </el-descriptions>
          </el-card>
        </el-col>
      </el-row>
      <el-card style="margin-top:12px"><template #header>建议止付/冻结（按留存涉案资金排序；期限自动计算）
          <el-button v-if="can('pii_unmask')" link type="primary" @click="exportXlsx" style="margin-left:12px" data-testid="trace-xlsx">导出调证表（XLSX，含明文账号，留痕）</el-button></template>
        <el-table :data="result.freeze" size="small" border data-testid="freeze">
          <el-table-column type="index" label="序号" width="60" />
          <el-table-column prop="account" label="账户" width="200" />
          <el-table-column prop="bank" label="开户行" width="160" />
          <el-table-column label="留存涉案资金(元)" width="160"><template #default="{ row }">{{ yuan(row.held_fen) }}</template></el-table-column>
          <el-table-column label="紧急止付至（48小时，每案每账户至多2次）"><template #default="{ row }">{{ fmt(row.stop_payment_until_ms) }}</template></el-table-column>
          <el-table-column label="冻结至（6个月，可续冻）"><template #default="{ row }">{{ fmt(row.freeze_until_ms) }}</template></el-table-column>
        </el-table>
      </el-card>
    </template>
    <el-card v-if="can('list_write')" style="margin-top:12px"><template #header>跑分/洗钱账户研判（在时间窗内识别多对一、一对多、闭环、分散-归集、归集-分散、等额拆分结构）</template>
      <el-form inline size="small">
        <el-form-item label="时间范围"><el-date-picker v-model="m.range" type="datetimerange" start-placeholder="开始" end-placeholder="结束" data-testid="mules-range" /></el-form-item>
        <el-form-item><el-checkbox v-model="m.add_amber">发现的账户列入黄名单（人工确认后转红）</el-checkbox></el-form-item>
        <el-button type="primary" :loading="mLoading" @click="runMules" data-testid="mules-run">研判</el-button>
      </el-form>
      <template v-if="mules">
        <p class="muted">窗口内活跃账户 {{ mules.candidates }} 个，发现可疑 {{ mules.found.length }} 个。</p>
        <el-table :data="mules.found" size="small" border data-testid="mules">
          <el-table-column prop="account" label="账户" width="200" />
          <el-table-column prop="typology_zh" label="结构" width="140" />
          <el-table-column prop="fan_in" label="新增转入方" width="110" />
          <el-table-column prop="fan_out" label="新增转出方" width="110" />
          <el-table-column label="闭环账户数" width="110"><template #default="{ row }">{{ row.cycle_size > 1 ? row.cycle_size : '-' }}</template></el-table-column>
          <el-table-column label="转入(元)"><template #default="{ row }">{{ yuan(row.inflow_fen) }}</template></el-table-column>
          <el-table-column label="转出(元)"><template #default="{ row }">{{ yuan(row.outflow_fen) }}</template></el-table-column>
          <el-table-column prop="evidence_transfers" label="证据交易数" width="110" />
        </el-table>
      </template>
    </el-card>
  </div>`,
};


// ---- Cases and ranking (案件 / 排名通报) --------------------------------------------------------
const STATUS_ZH = { reported: '已接警', filed: '已立案', solved: '已破案', closed: '已结案' };
const OBS_ZH = { phone: '电话号码', bank_account: '银行账户', payment_account: '支付账户', url: '网址', app: 'APP', im_account: '社交账号' };
const NEXT_STATUS = { reported: ['filed', 'solved', 'closed'], filed: ['solved', 'closed'], solved: ['closed'], closed: [] };
const CasesPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20, month: '', fraud_type: '' });
    const types = ref([]); const report = ref(null); const adding = ref(false);
    const form = reactive({ case_no: '', reported_at: '', station: '', jurisdiction_code: '', fraud_type: '', loss_yuan: '', arrested: 0, age_band: '', contact_channel: '' });
    const stations = ref([]);
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const typeZh = (id) => (types.value.find((t) => t.id === id) || {}).name_zh || id;
    async function load() { try { page.value = await get('/cases?' + qs(q)); } catch (e) { fail(e); } }
    onMounted(async () => {
      try { types.value = (await get('/cases/taxonomy')).types; stations.value = await get('/stations'); } catch (e) { fail(e); }
      load();
    });
    async function upload(ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try { report.value = await api('POST', '/cases/import', fd, true); ElMessage.success(`导入 ${report.value.accepted} 条`); load(); } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function create() {
      try {
        await post('/cases', { ...form, reported_at: form.reported_at ? new Date(form.reported_at).toISOString() : '' });
        adding.value = false; ElMessage.success('案件已登记'); load();
      } catch (e) { fail(e); }
    }
    async function move(row, status) {
      let arrested = null;
      if (status === 'solved') {
        // Solving records the suspects caught (抓获人数), the first of the four ups.
        try {
          const v = (await ElMessageBox.prompt(`案件 ${row.case_no} 破案，请填写抓获犯罪嫌疑人数`, '破案', { inputValue: String(row.arrested || 0), inputPattern: /^\d{1,4}$/, inputErrorMessage: '请输入人数' })).value;
          arrested = Number(v);
        } catch { return; }
      } else {
        try { await ElMessageBox.confirm(`将案件 ${row.case_no} 标记为「${STATUS_ZH[status]}」？${status === 'closed' ? '结案后不可再更改。' : ''}`, '确认'); } catch { return; }
      }
      try { await post(`/cases/${row.id}/status`, { status, arrested }); load(); } catch (e) { fail(e); }
    }
    const detail = ref(null);
    async function open(row) {
      try {
        const [obs, links] = await Promise.all([get(`/cases/${row.id}/observables`), get(`/cases/${row.id}/links`)]);
        detail.value = { row, obs, links };
      } catch (e) { fail(e); }
    }
    return { page, q, load, types, typeZh, yuan, fmt, upload, report, adding, form, create, stations, move, STATUS_ZH, NEXT_STATUS, can, AGE_ZH, detail, open, OBS_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">案件管理</h2>
    <el-form inline size="small">
      <el-form-item label="月份"><el-date-picker v-model="q.month" type="month" value-format="YYYY-MM" placeholder="全部" @change="q.page = 1; load()" /></el-form-item>
      <el-form-item label="诈骗类型"><el-select v-model="q.fraud_type" clearable placeholder="全部" style="width:160px" @change="q.page = 1; load()"><el-option v-for="t in types" :key="t.id" :label="t.name_zh" :value="t.id" /></el-select></el-form-item>
      <template v-if="can('case_write')">
        <el-button type="primary" @click="adding = true">登记案件</el-button>
        <label class="el-button el-button--small" style="margin-left:8px">导入案件（CSV/XLSX）<input type="file" accept=".csv,.xlsx" style="display:none" @change="upload" data-testid="case-import" /></label>
      </template>
    </el-form>
    <el-alert v-if="report" :type="report.rejected.length ? 'warning' : 'success'" :closable="true" @close="report = null" style="margin-bottom:8px"
      :title="'共 ' + report.rows + ' 行，导入 ' + report.accepted + ' 行，' + report.rejected_total + ' 行有误' + (report.rejected_total > report.rejected.length ? '（列出前 ' + report.rejected.length + ' 行）' : '')">
      <div v-for="e in report.rejected" :key="e.row + e.field">第 {{ e.row }} 行{{ e.message_zh }}</div>
    </el-alert>
    <el-table :data="page.items" border stripe size="small" data-testid="cases">
      <el-table-column label="案件编号" width="150"><template #default="{ row }"><el-button link type="primary" @click="open(row)">{{ row.case_no }}</el-button></template></el-table-column>
      <el-table-column label="报案时间" width="170"><template #default="{ row }">{{ fmt(row.reported_at) }}</template></el-table-column>
      <el-table-column prop="station_name" label="派出所" width="130" />
      <el-table-column prop="jurisdiction_name" label="受害人所在村(社区)" width="150" />
      <el-table-column label="诈骗类型" width="140"><template #default="{ row }">{{ typeZh(row.fraud_type) }}</template></el-table-column>
      <el-table-column label="损失(元)" width="130" align="right"><template #default="{ row }">{{ yuan(row.loss_fen) }}</template></el-table-column>
      <el-table-column label="挽损(元)" width="120" align="right"><template #default="{ row }">{{ yuan(row.recovered_fen) }}</template></el-table-column>
      <el-table-column label="年龄段" width="90"><template #default="{ row }">{{ AGE_ZH[row.victim_age_band] || '-' }}</template></el-table-column>
      <el-table-column prop="contact_channel" label="接触渠道" width="90" />
      <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.status === 'closed' ? 'info' : ''">{{ STATUS_ZH[row.status] }}</el-tag></template></el-table-column>
      <el-table-column v-if="can('case_write')" label="操作"><template #default="{ row }">
        <el-button v-for="s in NEXT_STATUS[row.status]" :key="s" link type="primary" size="small" @click="move(row, s)">{{ STATUS_ZH[s].replace('已', '') }}</el-button>
      </template></el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog :model-value="!!detail" @update:model-value="detail = null" :title="detail ? '案件 ' + detail.row.case_no : ''" width="760px">
      <template v-if="detail">
        <el-descriptions :column="2" size="small" border>
          <el-descriptions-item label="派出所">{{ detail.row.station_name }}</el-descriptions-item>
          <el-descriptions-item label="诈骗类型">{{ typeZh(detail.row.fraud_type) }}</el-descriptions-item>
          <el-descriptions-item label="损失(元)">{{ yuan(detail.row.loss_fen) }}</el-descriptions-item>
          <el-descriptions-item label="状态">{{ STATUS_ZH[detail.row.status] }}</el-descriptions-item>
        </el-descriptions>
        <h4>涉案线索（已脱敏；账户、号码、网址已列入黄名单待确认）</h4>
        <el-tag v-for="o in detail.obs" :key="o.kind + o.value" style="margin:2px">{{ OBS_ZH[o.kind] }}：{{ o.value }}</el-tag>
        <h4>串并案（通过共同线索关联的案件，本辖区内）</h4>
        <el-empty v-if="!detail.links.length" description="暂无关联案件" :image-size="40" />
        <el-table v-else :data="detail.links" size="small" border data-testid="case-links">
          <el-table-column label="关联层级" width="90"><template #default="{ row }">{{ row.distance }} 度</template></el-table-column>
          <el-table-column label="案件编号" width="150"><template #default="{ row }">{{ row.case.case_no }}</template></el-table-column>
          <el-table-column label="报案时间" width="170"><template #default="{ row }">{{ fmt(row.case.reported_at) }}</template></el-table-column>
          <el-table-column label="派出所"><template #default="{ row }">{{ row.case.station_name }}</template></el-table-column>
          <el-table-column label="损失(元)" width="120"><template #default="{ row }">{{ yuan(row.case.loss_fen) }}</template></el-table-column>
        </el-table>
      </template>
    </el-dialog>
    <el-dialog v-model="adding" title="登记案件" width="560px">
      <el-form label-width="120px" size="small">
        <el-form-item label="案件编号"><el-input v-model="form.case_no" /></el-form-item>
        <el-form-item label="报案时间"><el-date-picker v-model="form.reported_at" type="datetime" /></el-form-item>
        <el-form-item label="派出所"><el-select v-model="form.station" filterable><el-option v-for="s in stations" :key="s.id" :label="s.name" :value="s.code" /></el-select></el-form-item>
        <el-form-item label="受害人所在辖区编码"><el-input v-model="form.jurisdiction_code" placeholder="村(社区)编码，可空" /></el-form-item>
        <el-form-item label="诈骗类型"><el-select v-model="form.fraud_type"><el-option v-for="t in types" :key="t.id" :label="t.name_zh" :value="t.id" /></el-select></el-form-item>
        <el-form-item label="损失金额(元)"><el-input v-model="form.loss_yuan" /></el-form-item>
        <el-form-item label="抓获人数"><el-input-number v-model="form.arrested" :min="0" :max="10000" /></el-form-item>
        <el-form-item label="受害人年龄段"><el-select v-model="form.age_band" clearable><el-option v-for="(zh, k) in AGE_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item label="接触渠道"><el-input v-model="form.contact_channel" placeholder="电话/短信/微信/QQ/APP/网站" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="adding = false">取消</el-button><el-button type="primary" @click="create">登记</el-button></template>
    </el-dialog>
  </div>`,
};

const ACTION_INTERVIEW_ZH = { interview_deputy: '约谈分管所长', interview_chief: '约谈所长' };
// Statistics of any period and level (分级统计): a year, month or half month, for the county, a
// town or a village, with each area one level down and its cases per 10,000 residents.
const AreaStats = {
  setup() {
    const kind = ref('month'); const now = new Date(Date.now() + 8 * 3600e3);
    const month = ref(now.toISOString().slice(0, 7)); const half = ref('1'); const year = ref(now.toISOString().slice(0, 4));
    // An area of several parts (a station's precinct across towns) starts on its first part.
    const parts = scopeParts();
    const area = ref(parts.length > 1 ? parts[0].id : null); const areas = ref([]); const s = ref(null);
    const period = computed(() => (kind.value === 'year' ? year.value : kind.value === 'half' ? `${month.value}-${half.value}` : month.value));
    async function load() {
      try { s.value = await get('/supervision/summary?' + qs({ period: period.value, jurisdiction_id: area.value })); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { areas.value = (await get('/jurisdictions/tree')).filter((j) => j.kind !== 'grid').sort((a, b) => a.path.localeCompare(b.path)); } catch (e) { fail(e); }
      load();
    });
    const yuan = (fen) => (fen / 1e6).toFixed(2);
    const ch = (v) => (v === null || v === undefined ? '—' : (v > 0 ? '↑' : v < 0 ? '↓' : '') + Math.abs(v) + '%');
    return { kind, month, half, year, parts, area, areas, s, load, yuan, ch, KIND_ZH };
  },
  template: `
  <el-card style="margin-top:12px" data-testid="area-stats"><template #header>分级统计（年度 / 月度 / 半月，县、镇、村各级）</template>
    <el-space wrap>
      <el-radio-group v-model="kind" size="small" @change="load"><el-radio-button value="year">年</el-radio-button><el-radio-button value="month">月</el-radio-button><el-radio-button value="half">半月</el-radio-button></el-radio-group>
      <el-date-picker v-if="kind === 'year'" v-model="year" type="year" value-format="YYYY" size="small" :clearable="false" @change="load" />
      <el-date-picker v-else v-model="month" type="month" value-format="YYYY-MM" size="small" :clearable="false" @change="load" />
      <el-select v-if="kind === 'half'" v-model="half" size="small" style="width:110px" @change="load"><el-option value="1" label="上半月" /><el-option value="2" label="下半月" /></el-select>
      <el-select v-model="area" size="small" filterable :clearable="parts.length < 2" placeholder="本辖区" style="width:200px" @change="load">
        <el-option v-for="j in areas" :key="j.id" :label="KIND_ZH[j.kind] + ' ' + j.name" :value="j.id" /></el-select>
    </el-space>
    <template v-if="s">
      <p data-testid="area-stats-kpi">{{ s.area }} {{ s.period_zh }}：发案 <b>{{ s.cases }}</b> 起（环比 {{ ch(s.change_cases_pct) }}，同比 {{ ch(s.yoy_cases_pct) }}），损失 <b>{{ yuan(s.loss_fen) }}</b> 万元（环比 {{ ch(s.change_loss_pct) }}），
        挽损 {{ yuan(s.recovered_fen) }} 万元，破案 {{ s.solved }} 起；人口 {{ s.residents.toLocaleString('zh-CN') }}，万人发案数 {{ s.per_10k ?? '—' }}</p>
      <el-table :data="s.children" size="small" border max-height="360" :default-sort="{ prop: 'cases', order: 'descending' }">
        <el-table-column prop="name" label="下级辖区" />
        <el-table-column prop="cases" label="发案数" width="100" sortable />
        <el-table-column label="损失(万元)" width="120" sortable :sort-method="(a, b) => a.loss_fen - b.loss_fen"><template #default="{ row }">{{ yuan(row.loss_fen) }}</template></el-table-column>
        <el-table-column label="人口" width="110"><template #default="{ row }">{{ row.residents.toLocaleString('zh-CN') }}</template></el-table-column>
        <el-table-column prop="per_10k" label="万人发案数" width="120" sortable />
      </el-table>
    </template>
  </el-card>`,
};

const RankingPage = {
  components: { EChart, AreaStats },
  setup() {
    const d = new Date(); d.setMonth(d.getMonth() - 1);
    const month = ref(d.toISOString().slice(0, 7)); const r = ref(null);
    const lad = ref(null); const year = ref(String(new Date().getFullYear())); const ev = ref(null); const st = ref(null);
    async function load() {
      try { [r.value, lad.value, st.value] = await Promise.all([get('/supervision/ranking?month=' + month.value), get('/supervision/ladder?month=' + month.value), get('/supervision/stats?month=' + month.value)]); } catch (e) { fail(e); }
    }
    const trend = computed(() => {
      if (!st.value) return {};
      const x = st.value.series.map((p) => p.month);
      return { tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['发案数', '损失(万元)'] }, grid: { left: 45, right: 55, top: 35, bottom: 30 },
        xAxis: { type: 'category', data: x }, yAxis: [{ type: 'value', name: '起' }, { type: 'value', name: '万元' }],
        series: [{ name: '发案数', type: 'bar', data: st.value.series.map((p) => p.cases), itemStyle: { color: '#5470c6' } },
          { name: '损失(万元)', type: 'line', yAxisIndex: 1, smooth: true, data: st.value.series.map((p) => +(p.loss_fen / 1e6).toFixed(1)), itemStyle: { color: '#e6553a' } }] };
    });
    const typePie = computed(() => (st.value ? { tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: ['35%', '65%'], data: st.value.by_type.map((t) => ({ name: t.name_zh, value: t.cases })), label: { formatter: '{b}\n{c}起' } }] } : {}));
    const pct = (v) => (v === null || v === undefined ? '—' : (v > 0 ? '+' : '') + v + '%');
    async function loadYear() { try { ev.value = await get('/supervision/evaluation?year=' + year.value); } catch (e) { fail(e); } }
    onMounted(() => { load(); loadYear(); });
    const fmtDay = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const yuan = (v) => v.toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const prevRank = (station, key) => { const p = (r.value.previous || []).find((x) => x.station === station); return p ? p[key] : null; };
    // Rank 1 is the worst; moving towards 1 is a deterioration (red up arrow).
    const arrow = (row, key) => { const p = prevRank(row.station, key); if (p === null) return ''; return p > row[key] ? '↑' : p < row[key] ? '↓' : '—'; };
    const arrowClass = (row, key) => { const a = arrow(row, key); return a === '↑' ? 'worse' : a === '↓' ? 'better' : 'same'; };
    const chart = computed(() => {
      if (!r.value) return {};
      const rows = [...r.value.ranking].sort((a, b) => b.per_10k - a.per_10k);
      return { tooltip: { trigger: 'axis' }, legend: { data: ['发案数', '万人发案数'], top: 0 }, grid: { left: 50, right: 50, top: 40, bottom: 80 },
        xAxis: { type: 'category', data: rows.map((x) => x.station), axisLabel: { rotate: 35 } },
        yAxis: [{ type: 'value', name: '起' }, { type: 'value', name: '起/万人' }],
        series: [{ name: '发案数', type: 'bar', data: rows.map((x) => x.cases), itemStyle: { color: '#5470c6' } },
          { name: '万人发案数', type: 'line', yAxisIndex: 1, data: rows.map((x) => x.per_10k), itemStyle: { color: '#e6553a' } }] };
    });
    const lossChart = computed(() => {
      if (!r.value) return {};
      const rows = [...r.value.ranking].filter((x) => x.loss_yuan > 0).sort((a, b) => b.loss_yuan - a.loss_yuan);
      return { tooltip: {}, series: [{ type: 'treemap', roam: false, breadcrumb: { show: false }, data: rows.map((x) => ({ name: x.station, value: x.loss_yuan })), label: { formatter: (p) => `${p.name}\n${(p.value / 10000).toFixed(1)}万元` } }] };
    });
    return { month, r, load, yuan, arrow, arrowClass, chart, lossChart, ACTION_INTERVIEW_ZH, lad, year, ev, loadYear, fmtDay, st, trend, typePie, pct, AGE_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">派出所排名通报
      <el-date-picker v-model="month" type="month" value-format="YYYY-MM" size="small" style="margin-left:12px" @change="load" data-testid="ranking-month" /></h2>
    <el-row v-if="st" :gutter="12" style="margin-bottom:12px" data-testid="stats">
      <el-col :span="4"><el-card><el-statistic title="本月发案(起)" :value="st.cases" /><div class="muted">环比 {{ pct(st.mom_cases_pct) }} · 同比 {{ pct(st.yoy_cases_pct) }}</div></el-card>
        <el-card style="margin-top:8px"><el-statistic title="本月损失(万元)" :value="+(st.loss_fen / 1e6).toFixed(1)" /><div class="muted">环比 {{ pct(st.mom_loss_pct) }} · 同比 {{ pct(st.yoy_loss_pct) }}</div></el-card></el-col>
      <el-col :span="12"><el-card><template #header>近24个月发案与损失</template><EChart :option="trend" style="height:230px" /></el-card></el-col>
      <el-col :span="8"><el-card><template #header>本月诈骗类型</template><EChart :option="typePie" style="height:230px" /></el-card></el-col>
    </el-row>
    <template v-if="r">
      <p class="muted">规则版本 {{ r.rules_version }} · 数据截至 {{ new Date(r.cutoff_ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) }} ·
        本月案件 {{ r.cases }} 起 · {{ r.provisional ? '本月未结束，数据为临时结果' : (r.stored ? '已发布结果（重算一致）' : '已按截止时间固化') }}</p>
      <el-row :gutter="12">
        <el-col :span="14"><el-card><template #header>发案数与万人发案数</template><EChart :option="chart" style="height:300px" /></el-card></el-col>
        <el-col :span="10"><el-card><template #header>经济损失分布</template><EChart :option="lossChart" style="height:300px" /></el-card></el-col>
      </el-row>
      <el-card style="margin-top:12px"><template #header>排名（第1名为最高值；箭头为与上月相比的名次变化，↑ 表示名次上升即情况变差）</template>
        <el-table :data="r.ranking" size="small" border data-testid="ranking">
          <el-table-column prop="station" label="派出所" width="160" />
          <el-table-column prop="cases" label="发案数" width="90" align="right" />
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_cases }} <span :class="arrowClass(row, 'rank_cases')">{{ arrow(row, 'rank_cases') }}</span></template></el-table-column>
          <el-table-column label="经济损失(元)" width="150" align="right"><template #default="{ row }">{{ yuan(row.loss_yuan) }}</template></el-table-column>
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_loss }} <span :class="arrowClass(row, 'rank_loss')">{{ arrow(row, 'rank_loss') }}</span></template></el-table-column>
          <el-table-column prop="per_10k" label="万人发案数" width="110" align="right" />
          <el-table-column label="名次" width="90"><template #default="{ row }">{{ row.rank_per_10k }} <span :class="arrowClass(row, 'rank_per_10k')">{{ arrow(row, 'rank_per_10k') }}</span></template></el-table-column>
        </el-table>
      </el-card>
      <el-card style="margin-top:12px"><template #header>约谈（三项指标连续两个月最高：约谈分管所长；连续三个月：约谈所长）</template>
        <el-empty v-if="!r.escalations.length" description="截至本月无约谈" :image-size="50" />
        <el-table v-else :data="[...r.escalations].reverse()" size="small" border data-testid="escalations">
          <el-table-column prop="month" label="月份" width="100" />
          <el-table-column prop="station" label="派出所" width="160" />
          <el-table-column prop="months_running" label="连续月数" width="100" />
          <el-table-column label="措施"><template #default="{ row }"><el-tag type="danger" size="small">{{ ACTION_INTERVIEW_ZH[row.action] }}</el-tag></template></el-table-column>
        </el-table>
      </el-card>
    </template>
    <el-row v-if="lad" :gutter="12" style="margin-top:12px">
      <el-col :span="8"><el-card><template #header>本月通报点名村(社区)（前{{ lad.rules.notice_top_n }}名）</template>
        <el-tag v-for="v in lad.named" :key="v" type="warning" style="margin:2px">{{ v }}</el-tag>
        <el-empty v-if="!lad.named.length" description="无" :image-size="40" /></el-card></el-col>
      <el-col :span="8"><el-card><template #header>挂牌整治（近{{ lad.rules.lookback_months }}个月被点名{{ lad.rules.rectify_after }}次及以上）</template>
        <el-table :data="lad.rectification" size="small" data-testid="rectification">
          <el-table-column prop="jurisdiction" label="村(社区)" />
          <el-table-column prop="times_named" label="点名次数" width="90" />
          <el-table-column label="整改期限" width="110"><template #default="{ row }">{{ fmtDay(row.rectify_by_ms) }}</template></el-table-column>
        </el-table></el-card></el-col>
      <el-col :span="8"><el-card><template #header>全环节倒查（损失50万元以上）</template>
        <el-table :data="lad.traceback" size="small" data-testid="traceback">
          <el-table-column prop="case_no" label="案件编号" />
          <el-table-column label="损失(元)" width="120"><template #default="{ row }">{{ yuan(row.loss_fen / 100) }}</template></el-table-column>
          <el-table-column label="倒查期限" width="110"><template #default="{ row }">{{ fmtDay(row.review_due_ms) }}</template></el-table-column>
        </el-table></el-card></el-col>
    </el-row>
    <el-card v-if="st" style="margin-top:12px"><template #header>“四升”（本月与去年同月相比：抓获人数、破案数、破案率、挽损金额）</template>
      <el-table :data="st.four_ups" size="small" border data-testid="four-ups">
        <el-table-column prop="station" label="派出所" width="160" />
        <el-table-column label="抓获人数(本月/去年同月)" width="180"><template #default="{ row }">{{ row.arrested[0] }} / {{ row.arrested[1] }}</template></el-table-column>
        <el-table-column label="破案数(本月/去年同月)" width="170"><template #default="{ row }">{{ row.solved[0] }} / {{ row.solved[1] }}</template></el-table-column>
        <el-table-column label="破案率%" width="150"><template #default="{ row }">{{ row.solve_rate_pct[0] }} / {{ row.solve_rate_pct[1] }}</template></el-table-column>
        <el-table-column label="挽损(元)" width="220"><template #default="{ row }">{{ yuan(row.recovered_fen[0] / 100) }} / {{ yuan(row.recovered_fen[1] / 100) }}</template></el-table-column>
        <el-table-column label="四项齐升"><template #default="{ row }"><el-tag size="small" :type="row.all_up ? 'success' : 'info'">{{ row.all_up ? '是' : '否' }}</el-tag></template></el-table-column>
      </el-table>
    </el-card>
    <AreaStats />
    <el-card style="margin-top:12px"><template #header>年度考核（发案数或损失同比上升、或万人发案数全县最高，不得评先评优）
        <el-date-picker v-model="year" type="year" value-format="YYYY" size="small" style="margin-left:12px" @change="loadYear" /></template>
      <el-table v-if="ev" :data="ev.stations" size="small" border data-testid="evaluation">
        <el-table-column prop="station" label="派出所" width="160" />
        <el-table-column label="发案数(本年/上年)" width="150"><template #default="{ row }"><span :class="row.cases_up ? 'worse' : ''">{{ row.cases[0] }} / {{ row.cases[1] }}</span></template></el-table-column>
        <el-table-column label="损失万元(本年/上年)" width="170"><template #default="{ row }"><span :class="row.loss_up ? 'worse' : ''">{{ (row.loss_fen[0] / 1e6).toFixed(1) }} / {{ (row.loss_fen[1] / 1e6).toFixed(1) }}</span></template></el-table-column>
        <el-table-column label="万人发案数" width="120"><template #default="{ row }"><span :class="row.highest_rate ? 'worse' : ''">{{ row.per_10k }}</span></template></el-table-column>
        <el-table-column label="评先评优"><template #default="{ row }"><el-tag :type="row.award_eligible ? 'success' : 'danger'" size="small">{{ row.award_eligible ? '可参评' : '取消资格' }}</el-tag></template></el-table-column>
      </el-table>
    </el-card>
  </div>`,
};


// ---- Stop-payment and freeze (止付冻结) --------------------------------------------------------
const KIND_REQ_ZH = { stop_payment: '紧急止付', freeze: '冻结', return: '资金返还' };
const REQ_STATUS_ZH = { pending: '待银行执行', executed: '已执行', failed: '无法执行' };
const BankPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const q = reactive({ page: 1, per_page: 20 });
    const banks = ref([]); const open = ref(false);
    const form = reactive({ kind: 'stop_payment', account: '', bank_unit_id: null, amount_yuan: '', case_id: null, return_method: 'traced', approval_level: 'city', approval_authority: '', approval_ref: '', approved_on: '' });
    const isBank = computed(() => session.me && session.me.role === 'bank_liaison');
    const now = ref(Date.now()); let tick = null;
    async function load() { try { page.value = await get('/bank-requests?' + qs(q)); } catch (e) { fail(e); } }
    onMounted(async () => {
      load(); tick = setInterval(() => { now.value = Date.now(); }, 1000);
      if (can('list_write')) { try { banks.value = (await get('/units?kind=bank_branch&per_page=200')).items || []; } catch (e) { fail(e); } }
    });
    Vue.onUnmounted(() => clearInterval(tick));
    async function create() {
      try {
        const body = { ...form, case_id: form.case_id || null, approved_on: form.approved_on || null };
        if (form.kind !== 'return') for (const k of ['return_method', 'approval_level', 'approval_authority', 'approval_ref', 'approved_on']) delete body[k];
        const r = await post('/bank-requests', body); open.value = false;
        ElMessage.success(r.kind === 'return' ? `已发送至银行：公告期至 ${r.notice_ends_on}，银行应于 ${r.due_on} 前完成返还` : '已发送至银行'); load();
      } catch (e) { fail(e); }
    }
    async function answer(row, executed) {
      let reason = '';
      if (!executed) { try { reason = (await ElMessageBox.prompt('请填写无法执行的原因（如：本行查无此账户）', '无法执行')).value; } catch { return; } }
      if (executed) {
        try { await ElMessageBox.confirm(`确认已在本行对账户 ${row.account} 执行${KIND_REQ_ZH[row.kind] || ''}？确认后法定期限开始计算。`, '确认已执行', { type: 'warning', confirmButtonText: '确认已执行' }); } catch { return; }
      }
      try { await post(`/bank-requests/${row.id}/answer`, { executed, reason }); ElMessage.success(executed ? '已记录：本行已执行' : '已记录：无法执行及原因'); load(); } catch (e) { fail(e); }
    }
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const left = (ms) => { if (!ms) return ''; const s = Math.round((ms - now.value) / 1000); if (s <= 0) return '已到期'; const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60); return d ? `剩余${d}天${h}时` : `剩余${h}时${m}分`; };
    return { page, q, load, banks, open, form, create, answer, isBank, yuan, fmt, left, can, KIND_REQ_ZH, REQ_STATUS_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">{{ isBank ? '银行协查请求（本行）' : '止付冻结' }}
      <el-button v-if="can('list_write')" size="small" type="primary" style="margin-left:8px" @click="open = true">发起止付/冻结/返还</el-button></h2>
    <p class="muted">紧急止付自银行执行起48小时，同一案件同一账户至多2次；冻结期限6个月，可续冻；资金返还须经设区的市级以上公安机关批准，公告30日后由银行在3个工作日内完成（节假日按工作日历顺延）。期限由系统计算。</p>
    <el-table :data="page.items" border stripe size="small" data-testid="bank-requests">
      <el-table-column label="类型" width="90"><template #default="{ row }">{{ KIND_REQ_ZH[row.kind] }}{{ row.renews_id ? '(续)' : '' }}</template></el-table-column>
      <el-table-column prop="account" label="账户" width="190" />
      <el-table-column prop="bank_name" label="银行" width="200" />
      <el-table-column label="金额(元)" width="120" align="right"><template #default="{ row }">{{ yuan(row.amount_fen) }}</template></el-table-column>
      <el-table-column label="发起" width="200"><template #default="{ row }">{{ fmt(row.requested_at) }} {{ row.requested_by }}</template></el-table-column>
      <el-table-column label="状态" width="110"><template #default="{ row }"><el-tag size="small" :type="row.status === 'executed' ? 'success' : row.status === 'failed' ? 'danger' : 'warning'">{{ REQ_STATUS_ZH[row.status] }}</el-tag></template></el-table-column>
      <el-table-column label="到期" width="220"><template #default="{ row }">{{ row.expires_at ? fmt(row.expires_at) + ' · ' + left(row.expires_at) : '' }}
        <div v-if="row.kind === 'return'" class="muted">{{ row.approval_authority }}批准（{{ row.return_method === 'traced' ? '按溯源' : '按比例' }}）· 公告至 {{ row.notice_ends_on }} · 应于 {{ row.due_on }} 前返还</div></template></el-table-column>
      <el-table-column label="银行答复"><template #default="{ row }">
        <span v-if="row.answer_reason" class="worse">{{ row.answer_reason }}</span>
        <template v-if="isBank && row.status === 'pending'">
          <el-button size="small" type="primary" @click="answer(row, true)">已执行</el-button>
          <el-button size="small" @click="answer(row, false)">无法执行</el-button>
        </template>
      </template></el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="open" title="发起止付/冻结/资金返还" width="520px">
      <el-form label-width="110px" size="small">
        <el-form-item label="类型"><el-radio-group v-model="form.kind"><el-radio value="stop_payment">紧急止付</el-radio><el-radio value="freeze">冻结</el-radio><el-radio value="return">资金返还</el-radio></el-radio-group></el-form-item>
        <template v-if="form.kind === 'return'">
          <el-form-item label="返还方式"><el-radio-group v-model="form.return_method"><el-radio value="traced">按资金溯源</el-radio><el-radio value="pro_rata">按比例</el-radio></el-radio-group></el-form-item>
          <el-form-item label="批准层级"><el-select v-model="form.approval_level"><el-option value="city" label="设区的市级公安机关" /><el-option value="province" label="省级公安机关" /><el-option value="ministry" label="公安部" /></el-select></el-form-item>
          <el-form-item label="批准机关"><el-input v-model="form.approval_authority" placeholder="如 XX市公安局" /></el-form-item>
          <el-form-item label="批准文号"><el-input v-model="form.approval_ref" /></el-form-item>
          <el-form-item label="批准日期"><el-date-picker v-model="form.approved_on" type="date" value-format="YYYY-MM-DD" placeholder="默认今天" /></el-form-item>
        </template>
        <el-form-item label="账户"><el-input v-model="form.account" placeholder="银行账号" /></el-form-item>
        <el-form-item label="开户银行"><el-select v-model="form.bank_unit_id" filterable><el-option v-for="b in banks" :key="b.id" :label="b.name" :value="b.id" /></el-select></el-form-item>
        <el-form-item label="金额(元)"><el-input v-model="form.amount_yuan" /></el-form-item>
        <el-form-item label="案件ID"><el-input-number v-model="form.case_id" :min="1" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="open = false">取消</el-button><el-button type="primary" @click="create">发送</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Reports (排名通报 / 半月分析研判 / 工作简报) ------------------------------------------------------
const REPORT_STATUS_ZH = { draft: '草稿', approved: '已审核待发布', published: '已发布' };
const ReportsPage = {
  setup() {
    const rows = ref([]); const kind = ref(''); const current = ref(null); const narrative = ref('');
    const open = ref(false); const busy = ref(false);
    const lastMonth = (() => { const d = new Date(Date.now() + 8 * 3600e3); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() - 1); return d.toISOString().slice(0, 7); })();
    const form = reactive({ kind: 'bulletin', month: lastMonth, half: '1', station_id: null });
    const stations = ref([]);
    async function load() { try { rows.value = await get('/reports?' + qs({ kind: kind.value })); } catch (e) { fail(e); } }
    async function show(id) {
      try { current.value = await get('/reports/' + id); narrative.value = current.value.narrative; } catch (e) { fail(e); }
    }
    async function generate() {
      busy.value = true;
      try {
        const period = form.kind === 'analysis' ? `${form.month}-${form.half}` : form.month;
        const r = await post('/reports', { kind: form.kind, period, station_id: form.station_id || null });
        open.value = false; ElMessage.success('已生成草稿'); await load(); await show(r.id);
      } catch (e) { fail(e); } finally { busy.value = false; }
    }
    async function saveNarrative() {
      try { await put(`/reports/${current.value.id}/narrative`, { narrative: narrative.value }); ElMessage.success('已保存'); await show(current.value.id); } catch (e) { fail(e); }
    }
    async function step(action, confirmText) {
      try { await ElMessageBox.confirm(confirmText, '确认', { type: 'warning' }); } catch { return; }
      try { const r = await post(`/reports/${current.value.id}/${action}`); await load(); await show(r.id); } catch (e) { fail(e); }
    }
    const dl = (fmt) => `/api/v1/reports/${current.value.id}/download?format=${fmt}`;
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '-');
    const tag = (r) => (r.corrected_by ? 'info' : r.status === 'published' ? 'success' : r.status === 'approved' ? 'warning' : '');
    const statusText = (r) => (r.corrected_by ? `已被更正(#${r.corrected_by})` : REPORT_STATUS_ZH[r.status]);
    onMounted(async () => { load(); if (can('report_write')) { try { stations.value = await get('/stations'); } catch (e) { fail(e); } } });
    return { rows, kind, load, current, show, open, form, stations, generate, busy, narrative, saveNarrative, step, dl, fmt, tag, statusText, can };
  },
  template: `
  <div>
    <h2 class="page-title">通报与报告
      <el-button v-if="can('report_write')" size="small" type="primary" style="margin-left:8px" @click="open = true" data-testid="report-new">生成报告</el-button></h2>
    <p class="muted">报告生成时保存数据快照（含数据截止时间和规则版本），审核后发布；已发布的报告不再改变，如需更正则生成新版本并关联原报告。下载均记入审计日志。</p>
    <el-row :gutter="16">
      <el-col :span="10">
        <el-radio-group v-model="kind" size="small" @change="load" style="margin-bottom:8px">
          <el-radio-button value="">全部</el-radio-button><el-radio-button value="bulletin">排名通报</el-radio-button>
          <el-radio-button value="analysis">半月分析研判</el-radio-button><el-radio-button value="briefing">工作简报</el-radio-button>
        </el-radio-group>
        <el-table :data="rows" border stripe size="small" highlight-current-row @row-click="(r) => show(r.id)" data-testid="reports">
          <el-table-column prop="kind_zh" label="类型" width="110" />
          <el-table-column prop="period" label="周期" width="90" />
          <el-table-column prop="scope_name" label="范围" />
          <el-table-column label="版本" width="56"><template #default="{ row }">第{{ row.version }}版</template></el-table-column>
          <el-table-column label="状态" width="130"><template #default="{ row }"><el-tag size="small" :type="tag(row)">{{ statusText(row) }}</el-tag></template></el-table-column>
        </el-table>
      </el-col>
      <el-col :span="14">
        <el-card v-if="current" shadow="never" data-testid="report-detail">
          <template #header><b>{{ current.title }}</b> <el-tag size="small" :type="tag(current)">{{ statusText(current) }}</el-tag></template>
          <p class="muted">第{{ current.version }}版<span v-if="current.corrects_id">（更正 #{{ current.corrects_id }}）</span> · 数据截止 {{ fmt(current.cutoff_ms) }} · 生成 {{ current.created_by }} {{ fmt(current.created_at) }}
            <span v-if="current.approved_by"> · 审核 {{ current.approved_by }}</span><span v-if="current.published_by"> · 发布 {{ current.published_by }} {{ fmt(current.published_at) }}</span></p>
          <p class="muted">规则版本：{{ Object.entries(JSON.parse(current.rule_versions)).map(([k, v]) => k + ' ' + v).join('；') }} · 快照校验 {{ current.snapshot_sha256.slice(0, 12) }}</p>
          <div style="margin:8px 0">
            <el-button size="small" tag="a" :href="dl('pdf')" target="_blank" data-testid="dl-pdf">下载 PDF</el-button>
            <el-button size="small" tag="a" :href="dl('xlsx')" data-testid="dl-xlsx">下载 Excel</el-button>
            <el-button size="small" tag="a" :href="dl('html')" target="_blank">网页版</el-button>
            <el-button v-if="can('report_approve') && current.status === 'draft'" size="small" type="warning" @click="step('approve', '审核通过后内容和工作要求不可再修改，确认？')" data-testid="report-approve">审核通过</el-button>
            <el-button v-if="can('report_approve') && current.status === 'approved'" size="small" type="success" @click="step('publish', '发布后报告永久固定并下发辖区各单位，确认发布？')" data-testid="report-publish">发布</el-button>
            <el-button v-if="can('report_write') && current.status === 'published' && !current.corrected_by" size="small" @click="step('correct', '将按当前数据生成更正版本（草稿），原报告保留不变。继续？')">发起更正</el-button>
          </div>
          <template v-if="can('report_write') && current.status === 'draft'">
            <div class="muted">工作要求（由办公室撰写，每行一段）</div>
            <el-input v-model="narrative" type="textarea" :rows="4" data-testid="report-narrative" placeholder="例如：各派出所要对照排名查找短板……" />
            <el-button size="small" style="margin-top:6px" @click="saveNarrative" data-testid="report-save-narrative">保存工作要求</el-button>
          </template>
          <iframe :key="current.id + current.status + current.narrative.length" :src="dl('html')" style="width:100%;height:640px;border:1px solid #ddd;margin-top:8px" data-testid="report-preview"></iframe>
        </el-card>
        <el-empty v-else description="选择左侧报告查看" />
      </el-col>
    </el-row>
    <el-dialog v-model="open" title="生成报告" width="460px">
      <el-form label-width="90px" size="small">
        <el-form-item label="类型"><el-select v-model="form.kind" data-testid="report-kind">
          <el-option value="bulletin" label="排名通报（月）" /><el-option value="analysis" label="半月分析研判" /><el-option value="briefing" label="工作简报（月）" /></el-select></el-form-item>
        <el-form-item label="月份"><el-date-picker v-model="form.month" type="month" value-format="YYYY-MM" :clearable="false" /></el-form-item>
        <el-form-item label="范围"><el-select v-model="form.station_id" clearable placeholder="本辖区（全县/本镇）">
          <el-option v-for="s in stations" :key="s.id" :label="s.name + '辖区'" :value="s.id" /></el-select></el-form-item>
        <el-form-item v-if="form.kind === 'analysis'" label="半月"><el-radio-group v-model="form.half"><el-radio value="1">上半月(1-15日)</el-radio><el-radio value="2">下半月</el-radio></el-radio-group></el-form-item>
      </el-form>
      <template #footer><el-button @click="open = false">取消</el-button><el-button type="primary" :loading="busy" @click="generate" data-testid="report-generate">生成</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Prevention (宣传防范) ----------------------------------------------------------------------
const TARGET_ZH = { households_reached: '入户覆盖率', pledge: '承诺书签订率', app_install: 'APP安装率', sms_coverage: '预警短信覆盖率' };
const pct = (v) => (v === null || v === undefined ? '无数据' : (v * 100).toFixed(1) + '%');
const todayStr = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
let CATALOG = null;
async function catalog() { if (!CATALOG) CATALOG = await get('/prevention/catalog'); return CATALOG; }
const zhOf = (list, code) => ((list || []).find((x) => x.code === code) || {}).zh || code;

const PreventionPage = {
  components: { EChart },
  setup() {
    const tab = ref('coverage'); const cat = ref({});
    const period = reactive({ from: todayStr().slice(0, 4) + '-01-01', to: todayStr() });
    const cov = ref(null); const gapsOpen = ref(false); const gapsFor = ref(null); const gaps = ref({ items: [], total: 0 }); const gapPage = ref(1);
    const nodes = ref([]); const units = ref([]);
    const acts = ref({ items: [], total: 0 }); const actPage = ref(1); const actOpen = ref(false);
    const actForm = reactive({ jurisdiction_id: null, kind: 'home_visit', audience: 'general', title: '', held_on: todayStr(), head_count: 30, unit_id: null });
    const forms = ref({ items: [], total: 0 }); const formForm = reactive({ kind: 'receipt', household_code: '', signed_on: todayStr() });
    const figs = ref({ items: [], total: 0 }); const figOpen = ref(false); const figStatus = ref('');
    const figForm = reactive({ jurisdiction_id: null, metric: 'app_install', period: todayStr().slice(0, 7), value: 0, base: null, evidence: '' });
    const cardUnit = ref(null); const card = ref(null);
    const review = can('prevention_review');
    // An area of several parts (a station's precinct across towns) is shown one part at a time.
    const parts = scopeParts();
    const part = ref(parts.length > 1 ? parts[0].id : null);
    async function loadCov() {
      try { cov.value = await get('/prevention/coverage?' + qs({ ...period, jurisdiction_id: part.value })); } catch (e) { fail(e); }
    }
    const treemap = computed(() => {
      if (!cov.value) return {};
      const towns = {};
      for (const v of cov.value.villages) {
        const t = (towns[v.parent_name] = towns[v.parent_name] || { name: v.parent_name, children: [] });
        const a = v.coverage.four.awareness;
        t.children.push({ name: v.name, id: v.jurisdiction_id, value: [v.coverage.counts.households || 1, a === null ? 0 : +(a * 100).toFixed(1)] });
      }
      return {
        tooltip: { formatter: (p) => (Array.isArray(p.value) ? `${esc(p.name)}<br/>户数 ${p.value[0]}<br/>入户覆盖率 ${p.value[1]}%` : esc(p.name)) },
        series: [{ type: 'treemap', roam: false, nodeClick: false, breadcrumb: { show: false }, data: Object.values(towns),
          visualDimension: 1, visualMin: 0, visualMax: 100, color: ['#d94e5d', '#eac736', '#50a3ba'], colorMappingBy: 'value',
          levels: [{ itemStyle: { borderColor: '#fff', borderWidth: 3, gapWidth: 3 }, upperLabel: { show: true, height: 22, color: '#fff' } },
            { visualDimension: 1, visualMin: 0, visualMax: 100, color: ['#d94e5d', '#eac736', '#50a3ba'], colorMappingBy: 'value', itemStyle: { gapWidth: 1 } }],
          upperLabel: { show: true, height: 22 }, label: { formatter: (p) => `${p.name}\n${Array.isArray(p.value) ? p.value[1] + '%' : ''}` } }],
      };
    });
    async function openGaps(v) { gapsFor.value = v; gapPage.value = 1; gapsOpen.value = true; await loadGaps(); }
    async function loadGaps() {
      try { gaps.value = await get(`/prevention/coverage/${gapsFor.value.jurisdiction_id}/gaps?` + qs({ ...period, page: gapPage.value, per_page: 20 })); } catch (e) { fail(e); }
    }
    function mapClick(p) { if (p.data && p.data.id) { const v = cov.value.villages.find((x) => x.jurisdiction_id === p.data.id); if (v) openGaps(v); } }
    async function loadActs() { try { acts.value = await get('/prevention/activities?' + qs({ page: actPage.value, per_page: 15 })); } catch (e) { fail(e); } }
    async function saveAct() {
      try { await post('/prevention/activities', { ...actForm, unit_id: actForm.unit_id || null }); actOpen.value = false; ElMessage.success('已登记'); await loadActs(); } catch (e) { fail(e); }
    }
    async function upload(row, ev) {
      const f = ev.target.files[0]; if (!f) return;
      const fd = new FormData(); fd.append('file', f);
      try { await api('POST', `/prevention/activities/${row.id}/files`, fd, true); ElMessage.success('佐证已上传'); await loadActs(); } catch (e) { fail(e); }
      ev.target.value = '';
    }
    async function loadForms() { try { forms.value = await get('/prevention/forms?per_page=15'); } catch (e) { fail(e); } }
    async function saveForm() {
      try { await post('/prevention/forms', formForm); ElMessage.success('已登记'); formForm.household_code = ''; await loadForms(); } catch (e) { fail(e); }
    }
    async function loadFigs() { try { figs.value = await get('/prevention/figures?' + qs({ status: figStatus.value, per_page: 50 })); } catch (e) { fail(e); } }
    async function saveFig() {
      try { await post('/prevention/figures', { ...figForm, base: figForm.base || null }); figOpen.value = false; ElMessage.success('已提交，待核实'); await loadFigs(); } catch (e) { fail(e); }
    }
    async function reviewFig(row, verified) {
      let note = '';
      if (!verified) { try { ({ value: note } = await ElMessageBox.prompt('退回原因', '退回', { inputValidator: (v) => !!(v && v.trim()) || '请填写原因' })); } catch { return; } }
      try { await post(`/prevention/figures/${row.id}/review`, { verified, note }); await loadFigs(); } catch (e) { fail(e); }
    }
    async function loadCard() {
      if (!cardUnit.value) return;
      try { card.value = await get(`/prevention/scorecards/${cardUnit.value}?` + qs(period)); } catch (e) { fail(e); }
    }
    const cardChart = computed(() => {
      if (!card.value) return {};
      const k = card.value.by_kind;
      return { tooltip: {}, grid: { left: 110, right: 30, top: 10, bottom: 20 }, xAxis: { type: 'value', name: '次' }, yAxis: { type: 'category', data: k.map((x) => zhOf(cat.value.outreach_kinds, x[0])) },
        series: [{ type: 'bar', data: k.map((x) => x[1]), itemStyle: { color: '#5470c6' }, label: { show: true, position: 'right', formatter: (p) => `${p.value}次 / ${k[p.dataIndex][2]}人` } }] };
    });
    async function signLetter() {
      let signatory;
      try { ({ value: signatory } = await ElMessageBox.prompt('签订人（单位主要负责人）', '登记本年度防范电信网络诈骗责任书', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; }
      try { await post('/prevention/letters', { year: +todayStr().slice(0, 4), signed_on: todayStr(), signatory, unit_id: card.value.unit_id }); ElMessage.success('已登记'); loadCard(); } catch (e) { fail(e); }
    }
    function onTab(t) {
      if (t === 'activities') loadActs(); if (t === 'forms') loadForms(); if (t === 'figures') loadFigs(); if (t === 'scorecard') loadCard();
    }
    onMounted(async () => {
      try {
        cat.value = await catalog();
        nodes.value = (await get('/jurisdictions/tree')).filter((n) => n.kind !== 'grid');
        actForm.jurisdiction_id = figForm.jurisdiction_id = (nodes.value[0] || {}).id;
        units.value = (await get('/units?per_page=500')).items;
        cardUnit.value = session.me.unit_id;
      } catch (e) { fail(e); }
      loadCov();
    });
    return { can, tab, cat, period, parts, part, cov, loadCov, treemap, openGaps, gapsOpen, gapsFor, gaps, gapPage, loadGaps, mapClick, acts, actPage, loadActs, actOpen, actForm, saveAct, upload,
      forms, formForm, saveForm, figs, figOpen, figForm, saveFig, figStatus, loadFigs, reviewFig, cardUnit, card, loadCard, cardChart, units, nodes, onTab, review, signLetter, session, pct, zhOf, TARGET_ZH, can };
  },
  template: `
  <div>
    <h2 class="page-title">宣传防范</h2>
    <div style="margin-bottom:8px"><span class="muted">统计期间 </span>
      <el-date-picker v-model="period.from" type="date" value-format="YYYY-MM-DD" size="small" :clearable="false" style="width:140px" /> 至
      <el-date-picker v-model="period.to" type="date" value-format="YYYY-MM-DD" size="small" :clearable="false" style="width:140px" />
      <el-select v-if="parts.length > 1" v-model="part" size="small" style="width:160px;margin-left:8px" @change="loadCov" data-testid="coverage-part"><el-option v-for="x in parts" :key="x.id" :label="x.name" :value="x.id" /></el-select>
      <el-button size="small" @click="loadCov(); loadCard()">查询</el-button></div>
    <el-tabs v-model="tab" @tab-change="onTab">
      <el-tab-pane label="覆盖率" name="coverage">
        <template v-if="cov">
          <el-row :gutter="12" data-testid="four-rates">
            <el-col :span="4" v-for="(v, k) in { awareness: '反诈知晓率(入户)', pledge: '承诺书签订率', no_victim: '无人被骗率', app_install: 'APP安装率' }" :key="k">
              <el-card shadow="never"><div class="muted">{{ v }}</div><div style="font-size:22px;font-weight:bold">{{ pct(cov.area.coverage.four[k]) }}</div></el-card></el-col>
            <el-col :span="4"><el-card shadow="never"><div class="muted">预警短信覆盖率</div><div style="font-size:22px;font-weight:bold">{{ pct(cov.area.coverage.sms_coverage) }}</div></el-card></el-col>
            <el-col :span="4"><el-card shadow="never"><div class="muted">未达标（目标 {{ cov.targets.version }}）</div>
              <div><el-tag v-for="b in cov.area.coverage.below_target" :key="b" type="danger" size="small" style="margin:2px">{{ TARGET_ZH[b] }}</el-tag><span v-if="!cov.area.coverage.below_target.length">全部达标</span></div></el-card></el-col>
          </el-row>
          <p class="muted">APP安装率以期末在册常住人口为分母（{{ cov.area.coverage.counts.residents || '无' }}人）；入户覆盖率、承诺书签订率以户为单位（共 {{ cov.area.coverage.counts.households }} 户）。仅计入已核实的填报数据。点击色块查看未覆盖户。</p>
          <e-chart :option="treemap" style="height:420px" @click="mapClick" data-testid="coverage-map" />
          <el-table :data="cov.villages" border stripe size="small" max-height="420" data-testid="coverage-villages">
            <el-table-column prop="parent_name" label="镇(街道)" width="110" />
            <el-table-column prop="name" label="村(社区)" width="120" />
            <el-table-column label="户数" width="70"><template #default="{ row }">{{ row.coverage.counts.households }}</template></el-table-column>
            <el-table-column label="已覆盖户" width="80"><template #default="{ row }">{{ row.coverage.counts.households_reached }}</template></el-table-column>
            <el-table-column label="入户覆盖率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.awareness) }}</template></el-table-column>
            <el-table-column label="承诺书签订率" width="110"><template #default="{ row }">{{ pct(row.coverage.four.pledge) }}</template></el-table-column>
            <el-table-column label="APP安装率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.app_install) }}</template></el-table-column>
            <el-table-column label="无人被骗率" width="100"><template #default="{ row }">{{ pct(row.coverage.four.no_victim) }}</template></el-table-column>
            <el-table-column label="未达标"><template #default="{ row }"><el-tag v-for="b in row.coverage.below_target" :key="b" size="small" type="danger" style="margin:1px">{{ TARGET_ZH[b] }}</el-tag></template></el-table-column>
            <el-table-column label="" width="100"><template #default="{ row }"><el-button v-if="can('resident_read')" link type="primary" size="small" @click="openGaps(row)" :data-testid="'gaps-' + row.jurisdiction_id">未覆盖户 {{ row.coverage.counts.households - row.coverage.counts.households_reached }}</el-button></template></el-table-column>
          </el-table>
        </template>
      </el-tab-pane>
      <el-tab-pane label="宣传活动" name="activities">
        <el-button v-if="can('prevention_write')" size="small" type="primary" @click="actOpen = true" data-testid="activity-new">登记活动</el-button>
        <el-table :data="acts.items" border stripe size="small" style="margin-top:8px" data-testid="activities">
          <el-table-column prop="held_on" label="日期" width="100" />
          <el-table-column prop="unit_name" label="单位" width="180" />
          <el-table-column prop="jurisdiction_name" label="地点" width="100" />
          <el-table-column label="形式" width="110"><template #default="{ row }">{{ zhOf(cat.outreach_kinds, row.kind) }}</template></el-table-column>
          <el-table-column label="对象" width="90"><template #default="{ row }">{{ zhOf(cat.audiences, row.audience) }}</template></el-table-column>
          <el-table-column prop="title" label="主题" />
          <el-table-column prop="head_count" label="人数" width="70" />
          <el-table-column label="佐证" width="150"><template #default="{ row }">
            <el-tag size="small" :type="row.files ? 'success' : 'danger'">{{ row.files ? row.files + ' 份' : '无' }}</el-tag>
            <label v-if="can('prevention_write')" class="el-button el-button--small is-link" style="margin-left:6px">上传<input type="file" accept="image/*,audio/*,application/pdf" style="display:none" @change="upload(row, $event)" /></label></template></el-table-column>
        </el-table>
        <el-pagination layout="total, prev, pager, next" :total="acts.total" :page-size="15" v-model:current-page="actPage" @current-change="loadActs" />
      </el-tab-pane>
      <el-tab-pane label="回执与承诺书" name="forms">
        <el-form v-if="can('prevention_write')" inline size="small" class="field-form">
          <el-form-item label="类型"><el-radio-group v-model="formForm.kind"><el-radio value="receipt">回执</el-radio><el-radio value="pledge">承诺书</el-radio></el-radio-group></el-form-item>
          <el-form-item label="户号"><el-input v-model="formForm.household_code" placeholder="如 360929004001-0012" data-testid="form-household" /></el-form-item>
          <el-form-item label="签收日期"><el-date-picker v-model="formForm.signed_on" type="date" value-format="YYYY-MM-DD" :clearable="false" style="width:140px" /></el-form-item>
          <el-button type="primary" size="small" @click="saveForm" data-testid="form-save">登记</el-button>
        </el-form>
        <p class="muted">回执、承诺书只记录户号和签收人（脱敏），不采集其他个人信息。</p>
        <el-table :data="forms.items" border stripe size="small" data-testid="forms">
          <el-table-column prop="signed_on" label="日期" width="100" />
          <el-table-column label="类型" width="80"><template #default="{ row }">{{ row.kind === 'pledge' ? '承诺书' : '回执' }}</template></el-table-column>
          <el-table-column prop="household_code" label="户号" width="170" />
          <el-table-column prop="signer" label="签收人" width="80" />
          <el-table-column prop="jurisdiction_name" label="网格" width="100" />
          <el-table-column prop="unit_name" label="登记单位" />
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="数据填报与核实" name="figures">
        <el-button v-if="can('prevention_write')" size="small" type="primary" @click="figOpen = true" data-testid="figure-new">填报数据</el-button>
        <el-radio-group v-model="figStatus" size="small" style="margin-left:8px" @change="loadFigs">
          <el-radio-button value="">全部</el-radio-button><el-radio-button value="pending">待核实</el-radio-button><el-radio-button value="verified">已核实</el-radio-button><el-radio-button value="rejected">已退回</el-radio-button></el-radio-group>
        <el-table :data="figs.items" border stripe size="small" style="margin-top:8px" data-testid="figures">
          <el-table-column prop="period" label="月份" width="80" />
          <el-table-column prop="unit_name" label="单位" width="180" />
          <el-table-column prop="jurisdiction_name" label="区域" width="100" />
          <el-table-column label="指标" width="170"><template #default="{ row }">{{ zhOf(cat.metrics, row.metric) }}</template></el-table-column>
          <el-table-column label="数值" width="130"><template #default="{ row }">{{ row.value }}<span v-if="row.base"> / {{ row.base }}</span></template></el-table-column>
          <el-table-column prop="evidence" label="佐证" />
          <el-table-column label="状态" width="150"><template #default="{ row }"><el-tag size="small" :type="row.status === 'verified' ? 'success' : row.status === 'rejected' ? 'danger' : 'warning'">{{ zhOf(cat.verification, row.status) }}</el-tag>
            <span v-if="row.review_note" class="muted"> {{ row.review_note }}</span></template></el-table-column>
          <el-table-column v-if="review" label="核实" width="120"><template #default="{ row }"><template v-if="row.status === 'pending'">
            <el-button link type="success" size="small" @click="reviewFig(row, true)" :data-testid="'verify-' + row.id">核实</el-button><el-button link type="danger" size="small" @click="reviewFig(row, false)">退回</el-button></template></template></el-table-column>
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="单位评分" name="scorecard">
        <el-select v-model="cardUnit" filterable size="small" style="width:320px" @change="loadCard" :disabled="!review" data-testid="scorecard-unit">
          <el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select>
        <el-row v-if="card" :gutter="12" style="margin-top:10px" data-testid="scorecard">
          <el-col :span="12">
            <el-descriptions :column="2" border size="small" :title="card.unit_name + '（' + card.from + ' 至 ' + card.to + '）'">
              <el-descriptions-item label="宣传活动">{{ card.activities }} 次</el-descriptions-item>
              <el-descriptions-item label="覆盖人数">{{ card.head_count }} 人</el-descriptions-item>
              <el-descriptions-item label="有佐证的活动">{{ card.activities_with_evidence }} 次（{{ card.files }} 份）</el-descriptions-item>
              <el-descriptions-item label="回执 / 承诺书">{{ card.receipts }} / {{ card.pledges }}</el-descriptions-item>
              <el-descriptions-item label="填报 / 已核实">{{ card.figures_submitted }} / {{ card.figures_verified }}</el-descriptions-item>
              <el-descriptions-item label="本年度责任书"><el-tag size="small" :type="card.letter_signed ? 'success' : 'danger'">{{ card.letter_signed ? '已签订' : '未签订' }}</el-tag>
                <el-button v-if="!card.letter_signed && (review || card.unit_id === session.me.unit_id)" link type="primary" size="small" @click="signLetter">登记</el-button></el-descriptions-item>
              <el-descriptions-item label="任务 办理中/已完成">{{ card.tasks_open }} / {{ card.tasks_done }}</el-descriptions-item>
              <el-descriptions-item label="逾期任务"><el-tag size="small" :type="card.tasks_overdue ? 'danger' : 'success'">{{ card.tasks_overdue }}</el-tag></el-descriptions-item>
              <el-descriptions-item v-if="card.coverage" label="入户覆盖率">{{ pct(card.coverage.four.awareness) }}</el-descriptions-item>
              <el-descriptions-item v-if="card.coverage" label="APP安装率">{{ pct(card.coverage.four.app_install) }}</el-descriptions-item>
            </el-descriptions>
            <e-chart v-if="card.by_kind.length" :option="cardChart" style="height:220px;margin-top:8px" />
          </el-col>
          <el-col :span="12">
            <el-card shadow="never"><template #header>{{ zhOf(cat.certifications, card.certification_kind) }}创建条件
              <el-tag size="small" :type="card.certifiable ? 'success' : 'info'">{{ card.certifiable ? '符合条件' : '尚不符合' }}</el-tag></template>
              <div v-for="c in card.criteria" :key="c.name_zh" style="margin:4px 0">
                <el-icon :color="c.met ? '#67c23a' : '#f56c6c'"><component :is="c.met ? 'CircleCheck' : 'CircleClose'" /></el-icon> {{ c.name_zh }} <span class="muted">（{{ c.found }}）</span></div>
            </el-card>
          </el-col>
        </el-row>
      </el-tab-pane>
    </el-tabs>
    <el-dialog v-model="gapsOpen" :title="gapsFor ? gapsFor.parent_name + gapsFor.name + ' 未覆盖户' : ''" width="720px">
      <p class="muted">统计期间内未签收回执或承诺书的户，请网格员逐户上门宣传。姓名、住址已脱敏。</p>
      <el-table :data="gaps.items" border size="small" data-testid="gaps">
        <el-table-column prop="household_code" label="户号" width="170" />
        <el-table-column prop="grid_name" label="网格" width="90" />
        <el-table-column prop="head" label="户内人员" width="90" />
        <el-table-column prop="members" label="人数" width="60" />
        <el-table-column prop="address" label="住址" />
      </el-table>
      <el-pagination layout="total, prev, pager, next" :total="gaps.total" :page-size="20" v-model:current-page="gapPage" @current-change="loadGaps" />
    </el-dialog>
    <el-dialog v-model="actOpen" title="登记宣传活动" width="520px">
      <el-form label-width="90px" size="small" class="field-form">
        <el-form-item v-if="review" label="单位"><el-select v-model="actForm.unit_id" filterable clearable placeholder="本单位"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="地点"><el-select v-model="actForm.jurisdiction_id" filterable><el-option v-for="n in nodes" :key="n.id" :label="n.name" :value="n.id" /></el-select></el-form-item>
        <el-form-item label="形式"><el-select v-model="actForm.kind" data-testid="activity-kind"><el-option v-for="k in cat.outreach_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="对象"><el-select v-model="actForm.audience"><el-option v-for="k in cat.audiences" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="主题"><el-input v-model="actForm.title" data-testid="activity-title" /></el-form-item>
        <el-form-item label="日期"><el-date-picker v-model="actForm.held_on" type="date" value-format="YYYY-MM-DD" :clearable="false" /></el-form-item>
        <el-form-item label="人数"><el-input-number v-model="actForm.head_count" :min="0" data-testid="activity-count" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="actOpen = false">取消</el-button><el-button type="primary" @click="saveAct" data-testid="activity-save">保存</el-button></template>
    </el-dialog>
    <el-dialog v-model="figOpen" title="填报数据" width="520px">
      <el-form label-width="90px" size="small">
        <el-form-item label="区域"><el-select v-model="figForm.jurisdiction_id" filterable><el-option v-for="n in nodes" :key="n.id" :label="n.name" :value="n.id" /></el-select></el-form-item>
        <el-form-item label="指标"><el-select v-model="figForm.metric"><el-option v-for="k in cat.metrics" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="月份"><el-date-picker v-model="figForm.period" type="month" value-format="YYYY-MM" :clearable="false" /></el-form-item>
        <el-form-item label="数值"><el-input-number v-model="figForm.value" :min="0" /></el-form-item>
        <el-form-item v-if="figForm.metric === 'sms_coverage'" label="用户总数"><el-input-number v-model="figForm.base" :min="0" /></el-form-item>
        <el-form-item label="佐证说明"><el-input v-model="figForm.evidence" placeholder="如：APP后台导出截图、短信平台下发回执" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="figOpen = false">取消</el-button><el-button type="primary" @click="saveFig">提交</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Key persons (重点人员一人一档) ---------------------------------------------------------------
const KeyPersonsPage = {
  components: { EChart },
  setup() {
    const rows = ref([]); const cat = ref({}); const onlyOverdue = ref(false); const current = ref(null); const drawer = ref(false);
    const newOpen = ref(false); const idq = ref(''); const found = ref(null);
    const nf = reactive({ categories: ['two_cards'], legal_basis: '《中华人民共和国反电信网络诈骗法》第三十一条', deciding_authority: '', risk_score: 60, visit_every_days: 30 });
    const mf = reactive({ kind: 'card_restriction', starts_on: todayStr(), ends_on: '', reason: '', appeal_channel: '', documents: '身份证、申诉书' });
    const vf = reactive({ kind: 'visit', visited_on: todayStr(), note: '' });
    const cf = reactive({ role: 'grid_worker', name: '' });
    async function load() { try { rows.value = await get('/key-persons?' + qs({ overdue: onlyOverdue.value || '' })); } catch (e) { fail(e); } }
    async function open(id) { try { current.value = await get('/key-persons/' + id); drawer.value = true; } catch (e) { fail(e); } }
    async function find() {
      if (!can('pii_unmask')) { ElMessage.warning('按身份证号查找需查看明文权限，请由派出所民警建档'); return; }
      let reason;
      try { ({ value: reason } = await ElMessageBox.prompt('按身份证号查找将记入审计日志，请填写事由', '查找居民', { inputValue: '重点人员建档', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      try { const p = await get('/residents?' + qs({ id_number: idq.value.trim(), per_page: 1, reason })); found.value = p.items[0] || null; if (!found.value) ElMessage.warning('辖区内未找到该居民'); } catch (e) { fail(e); }
    }
    async function create() {
      try { const f = await post('/key-persons', { ...nf, resident_id: found.value.id }); newOpen.value = false; await load(); current.value = f; drawer.value = true; } catch (e) { fail(e); }
    }
    async function act(path, body) { try { current.value = await (path.endsWith('carers') ? put : post)(path, body); await load(); ElMessage.success('已保存'); } catch (e) { fail(e); } }
    async function appeal(m, passed) {
      let grounds;
      try { ({ value: grounds } = await ElMessageBox.prompt('申诉理由', passed ? '申诉核查通过（立即解除）' : '申诉核查未通过', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; }
      try { await post(`/key-persons/measures/${m.id}/appeal`, { filed_on: todayStr(), grounds, passed, note: passed ? '核查通过' : '核查未通过' }); await open(current.value.person.id); await load(); } catch (e) { fail(e); }
    }
    const calendar = computed(() => {
      if (!current.value) return {};
      const y = todayStr().slice(0, 4);
      const data = current.value.visits.map((v) => [v.visited_on, 1]);
      return { tooltip: { formatter: (p) => esc(p.value[0]) + (p.value[1] === 2 ? ' 应走访' : ' 已走访') },
        visualMap: { show: false, min: 0, max: 2, inRange: { color: ['#ebedf0', '#50a3ba', '#d94e5d'] } },
        calendar: { range: y, cellSize: ['auto', 13], left: 30, right: 10, top: 25, dayLabel: { nameMap: 'ZH' }, monthLabel: { nameMap: 'ZH' }, yearLabel: { show: false } },
        series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: [...data, [current.value.person.next_visit_due, 2]] }] };
    });
    const tf = reactive({ open: false, to_unit_id: null, reason: '' }); const units = ref([]);
    async function openTransfer() { tf.open = true; if (!units.value.length) { try { units.value = (await get('/units?per_page=500')).items.filter((u) => u.kind === 'police_station' || u.kind === 'police_bureau'); } catch (e) { fail(e); } } }
    async function transfer() {
      try { await post(`/key-persons/${current.value.person.id}/transfer`, { to_unit_id: tf.to_unit_id, reason: tf.reason }); tf.open = false; ElMessage.success('已移交'); await open(current.value.person.id); await load(); } catch (e) { fail(e); }
    }
    const STATE_ZH = { scheduled: '未生效', in_force: '执行中', lifted: '已解除', expired: '已到期' };
    onMounted(async () => { try { cat.value = await catalog(); } catch (e) { fail(e); } load(); });
    return { tf, units, openTransfer, transfer, rows, cat, onlyOverdue, load, open, current, drawer, newOpen, idq, find, found, nf, create, mf, vf, cf, act, appeal, calendar, STATE_ZH, zhOf };
  },
  template: `
  <div>
    <h2 class="page-title">重点人员（一人一档）
      <el-button size="small" type="primary" style="margin-left:8px" @click="newOpen = true" data-testid="kp-new">建档</el-button></h2>
    <p class="muted">风险评分仅供参考；每项管控措施均记录决定人，并告知理由、申诉渠道和所需材料。申诉核查通过即时解除。</p>
    <el-checkbox v-model="onlyOverdue" @change="load" data-testid="kp-overdue">只看走访逾期</el-checkbox>
    <el-table :data="rows" border stripe size="small" @row-click="(r) => open(r.id)" data-testid="key-persons">
      <el-table-column prop="name" label="姓名" width="70" />
      <el-table-column prop="id_number" label="身份证号" width="170" />
      <el-table-column label="类别"><template #default="{ row }"><el-tag v-for="c in row.categories" :key="c" size="small" style="margin:1px">{{ zhOf(cat.categories, c) }}</el-tag></template></el-table-column>
      <el-table-column prop="jurisdiction_name" label="住址网格" width="100" />
      <el-table-column prop="unit_name" label="管控单位" width="140" />
      <el-table-column prop="risk_score" label="风险分(参考)" width="100" />
      <el-table-column label="在执行措施" width="90"><template #default="{ row }">{{ row.measures_in_force }}</template></el-table-column>
      <el-table-column label="下次走访" width="120"><template #default="{ row }"><el-tag size="small" :type="row.visit_overdue ? 'danger' : 'success'">{{ row.next_visit_due }}{{ row.visit_overdue ? ' 逾期' : '' }}</el-tag></template></el-table-column>
      <el-table-column label="" width="70"><template #default="{ row }"><el-tag v-if="row.abroad" size="small" type="warning">劝返中</el-tag></template></el-table-column>
    </el-table>
    <el-drawer v-model="drawer" size="62%" :title="current ? current.person.name + ' ' + current.person.id_number : ''" data-testid="kp-file">
      <template v-if="current">
        <el-descriptions :column="3" border size="small">
          <el-descriptions-item label="类别">{{ current.person.categories.map((c) => zhOf(cat.categories, c)).join('、') }}</el-descriptions-item>
          <el-descriptions-item label="法律依据">{{ current.legal_basis }}</el-descriptions-item>
          <el-descriptions-item label="决定机关">{{ current.deciding_authority }}</el-descriptions-item>
          <el-descriptions-item label="管控单位">{{ current.person.unit_name }}</el-descriptions-item>
          <el-descriptions-item label="建档日期">{{ current.person.opened_on }}</el-descriptions-item>
          <el-descriptions-item label="走访周期">每 {{ current.person.visit_every_days }} 天 <el-button link type="primary" size="small" @click="openTransfer">移交</el-button></el-descriptions-item>
        </el-descriptions>
        <el-dialog v-model="tf.open" title="移交档案" width="460px" append-to-body>
          <el-form label-width="80px" size="small">
            <el-form-item label="接收单位"><el-select v-model="tf.to_unit_id" filterable style="width:100%"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
            <el-form-item label="原因"><el-input v-model="tf.reason" placeholder="如：本人迁居至城关镇" /></el-form-item>
          </el-form>
          <template #footer><el-button @click="tf.open = false">取消</el-button><el-button type="primary" :disabled="!tf.to_unit_id || !tf.reason.trim()" @click="transfer">移交</el-button></template>
        </el-dialog>
        <h4>走访日历 <el-tag size="small" :type="current.person.visit_overdue ? 'danger' : 'success'">下次应走访 {{ current.person.next_visit_due }}</el-tag></h4>
        <e-chart :option="calendar" style="height:150px" />
        <el-form inline size="small" class="field-form">
          <el-select v-model="vf.kind" style="width:120px"><el-option v-for="k in cat.visit_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-date-picker v-model="vf.visited_on" type="date" value-format="YYYY-MM-DD" :clearable="false" style="width:140px" />
          <el-input v-model="vf.note" placeholder="走访情况" style="width:220px" data-testid="kp-visit-note" />
          <el-button type="primary" @click="act('/key-persons/' + current.person.id + '/visits', vf)" data-testid="kp-visit">记录走访</el-button>
        </el-form>
        <h4>七包一管控 <span class="muted" v-if="current.missing_carers.length">缺：{{ current.missing_carers.map((r) => zhOf(cat.carer_roles, r)).join('、') }}</span></h4>
        <el-table :data="current.carers" border size="small"><el-table-column label="角色" width="160"><template #default="{ row }">{{ zhOf(cat.carer_roles, row.role) }}</template></el-table-column><el-table-column prop="name" label="姓名" /></el-table>
        <el-form inline size="small" style="margin-top:6px">
          <el-select v-model="cf.role" style="width:170px"><el-option v-for="k in cat.carer_roles" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-input v-model="cf.name" placeholder="姓名" style="width:120px" /><el-button @click="act('/key-persons/' + current.person.id + '/carers', cf)">设置包保人</el-button>
        </el-form>
        <h4>管控措施</h4>
        <el-table :data="current.measures" border size="small" data-testid="kp-measures">
          <el-table-column label="措施" width="150"><template #default="{ row }">{{ zhOf(cat.measure_kinds, row.kind) }}</template></el-table-column>
          <el-table-column label="期限" width="190"><template #default="{ row }">{{ row.starts_on }} 至 {{ row.ends_on }}</template></el-table-column>
          <el-table-column prop="decided_by" label="决定人" width="90" />
          <el-table-column label="告知" ><template #default="{ row }">{{ row.reason }}；申诉：{{ row.appeal_channel }}；材料：{{ row.documents }}</template></el-table-column>
          <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.state === 'in_force' ? 'danger' : 'info'">{{ STATE_ZH[row.state] }}</el-tag></template></el-table-column>
          <el-table-column label="申诉" width="130"><template #default="{ row }"><template v-if="row.state === 'in_force'">
            <el-button link type="success" size="small" @click="appeal(row, true)" data-testid="kp-appeal-pass">通过</el-button><el-button link size="small" @click="appeal(row, false)">不通过</el-button></template></template></el-table-column>
        </el-table>
        <el-form inline size="small" style="margin-top:6px">
          <el-select v-model="mf.kind" style="width:170px"><el-option v-for="k in cat.measure_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-date-picker v-model="mf.starts_on" type="date" value-format="YYYY-MM-DD" style="width:130px" /> 至
          <el-date-picker v-model="mf.ends_on" type="date" value-format="YYYY-MM-DD" style="width:130px" />
          <el-input v-model="mf.reason" placeholder="告知理由" style="width:160px" /><el-input v-model="mf.appeal_channel" placeholder="申诉渠道" style="width:140px" />
          <el-button @click="act('/key-persons/' + current.person.id + '/measures', mf)">采取措施</el-button>
        </el-form>
        <h4>走访记录</h4>
        <el-table :data="current.visits" border size="small"><el-table-column prop="visited_on" label="日期" width="100" /><el-table-column label="类型" width="110"><template #default="{ row }">{{ zhOf(cat.visit_kinds, row.kind) }}</template></el-table-column><el-table-column prop="by_name" label="走访人" width="140" /><el-table-column prop="note" label="情况" /></el-table>
        <template v-if="current.transfers.length"><h4>移交记录</h4>
          <el-table :data="current.transfers" border size="small"><el-table-column prop="from_unit" label="移出单位" /><el-table-column prop="to_unit" label="接收单位" /><el-table-column prop="reason" label="原因" /><el-table-column prop="by_name" label="经办" /></el-table></template>
      </template>
    </el-drawer>
    <el-dialog v-model="newOpen" title="重点人员建档" width="560px">
      <el-form label-width="100px" size="small">
        <el-form-item label="身份证号"><el-input v-model="idq" style="width:240px" /><el-button @click="find" style="margin-left:6px">查找</el-button>
          <span v-if="found" style="margin-left:8px">{{ found.name }} {{ found.jurisdiction_name }}</span></el-form-item>
        <el-form-item label="类别"><el-select v-model="nf.categories" multiple style="width:100%"><el-option v-for="k in cat.categories" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="法律依据"><el-input v-model="nf.legal_basis" /></el-form-item>
        <el-form-item label="决定机关"><el-input v-model="nf.deciding_authority" placeholder="如 清溪县公安局" /></el-form-item>
        <el-form-item label="风险分(参考)"><el-input-number v-model="nf.risk_score" :min="0" :max="100" /></el-form-item>
        <el-form-item label="走访周期(天)"><el-input-number v-model="nf.visit_every_days" :min="1" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="newOpen = false">取消</el-button><el-button type="primary" :disabled="!found" @click="create">建档</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Tasks (任务待办) ------------------------------------------------------------------------------
const TasksPage = {
  components: { EChart },
  setup() {
    const inbox = ref({ tasks: [], visits_due: [] }); const all = ref({ items: [], total: 0 }); const cat = ref({}); const units = ref([]);
    const q = reactive({ status: 'open', kind: '', overdue: false, unit_id: null, page: 1 });
    const rf = reactive({ unit_id: null, kind: 'inspection', title: '', detail: '', due_on: '' }); const raiseOpen = ref(false);
    const planMonth = ref(todayStr().slice(0, 7)); const duties = ref([]);
    const review = can('prevention_review');
    const outbox = ref({ items: [], total: 0 }); const admin = can('user_admin');
    async function loadOutbox() { try { outbox.value = await get('/notifications/outbox?per_page=20'); } catch (e) { fail(e); } }
    async function retryNote(n) { try { await post(`/notifications/outbox/${n.id}/retry`); ElMessage.success('已安排立即重发'); loadOutbox(); } catch (e) { fail(e); } }
    async function loadInbox() { try { inbox.value = await get('/inbox'); duties.value = await get('/workplan/duties'); } catch (e) { fail(e); } }
    async function loadAll() { try { all.value = await get('/tasks?' + qs({ ...q, overdue: q.overdue || '', unit_id: q.unit_id || '', per_page: 20 })); } catch (e) { fail(e); } }
    async function close(t, status) {
      let evidence = '';
      if (status === 'done') { try { ({ value: evidence } = await ElMessageBox.prompt('办理情况及佐证材料', '完成任务', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; } }
      else { try { await ElMessageBox.confirm('撤销后不可恢复，确认？', '撤销任务', { type: 'warning' }); } catch { return; } }
      try { await post(`/tasks/${t.id}/close`, { status, evidence }); ElMessage.success('已办结'); loadInbox(); if (review) loadAll(); } catch (e) { fail(e); }
    }
    async function raise() { try { await post('/tasks', rf); raiseOpen.value = false; ElMessage.success('已下发'); loadAll(); } catch (e) { fail(e); } }
    async function plan() {
      try { await post('/workplan/adopt'); const r = await post('/workplan/tasks?' + qs({ month: planMonth.value })); ElMessage.success(`已按工作方案生成 ${r.tasks_raised} 项任务`); loadAll(); } catch (e) { fail(e); }
    }
    onMounted(async () => {
      try { cat.value = await catalog(); if (review) units.value = (await get('/units?per_page=500')).items; } catch (e) { fail(e); }
      loadInbox(); if (review) loadAll(); if (admin) loadOutbox();
    });
    return { outbox, admin, loadOutbox, retryNote, inbox, all, cat, units, q, loadAll, close, rf, raiseOpen, raise, planMonth, plan, review, duties, zhOf };
  },
  template: `
  <div>
    <h2 class="page-title">任务待办</h2>
    <el-row :gutter="12">
      <el-col :span="review ? 10 : 24">
        <el-card shadow="never" data-testid="inbox"><template #header>本单位待办 <el-tag size="small">{{ inbox.tasks.length }}</el-tag> · 今天 {{ inbox.today }}</template>
          <div v-if="inbox.visits_due.length" data-testid="inbox-visits"><b>重点人员走访逾期（我是包保人）</b>
            <div v-for="v in inbox.visits_due" :key="v.id" class="task-line"><el-tag size="small" type="danger">应于 {{ v.next_visit_due }} 走访</el-tag> {{ v.name }} {{ v.jurisdiction_name }}
              <el-button link type="primary" size="small" @click="location.hash = '#/keypersons'">去走访</el-button></div></div>
          <div v-for="t in inbox.tasks" :key="t.id" class="task-line" :data-testid="'task-' + t.id">
            <el-tag size="small" :type="t.overdue ? 'danger' : 'warning'">{{ t.overdue ? '逾期' : '截止' }} {{ t.due_on }}</el-tag>
            <el-tag size="small" type="info">{{ zhOf(cat.task_kinds, t.kind) }}</el-tag> {{ t.title }}
            <el-button link type="primary" size="small" @click="close(t, 'done')" :data-testid="'task-done-' + t.id">办结</el-button>
            <div class="muted" style="margin-left:8px">{{ t.detail }}</div></div>
          <el-empty v-if="!inbox.tasks.length && !inbox.visits_due.length" description="暂无待办" />
          <details v-if="duties.length" style="margin-top:8px"><summary class="muted">本单位职责（工作方案 {{ duties[0].plan_version }}）</summary>
            <div v-for="d in duties" :key="d.title" class="task-line"><b>{{ d.title }}</b>（每{{ d.every_months }}个月）：{{ d.detail }}</div></details>
        </el-card>
      </el-col>
      <el-col v-if="review" :span="14">
        <el-card shadow="never"><template #header>全部任务
          <el-button size="small" type="primary" style="margin-left:8px" @click="raiseOpen = true">下发任务</el-button>
          <el-date-picker v-model="planMonth" type="month" value-format="YYYY-MM" size="small" style="width:110px;margin-left:8px" :clearable="false" />
          <el-button size="small" @click="plan" data-testid="plan-month">按工作方案生成当月任务</el-button></template>
          <el-form inline size="small">
            <el-select v-model="q.status" style="width:100px" @change="loadAll"><el-option value="" label="全部状态" /><el-option v-for="s in cat.task_statuses" :key="s.code" :label="s.zh" :value="s.code" /></el-select>
            <el-select v-model="q.kind" style="width:130px" @change="loadAll"><el-option value="" label="全部类型" /><el-option v-for="s in cat.task_kinds" :key="s.code" :label="s.zh" :value="s.code" /></el-select>
            <el-select v-model="q.unit_id" filterable clearable placeholder="全部单位" style="width:200px" @change="loadAll"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select>
            <el-checkbox v-model="q.overdue" @change="loadAll">只看逾期</el-checkbox>
          </el-form>
          <el-table :data="all.items" border stripe size="small" data-testid="tasks">
            <el-table-column prop="unit_name" label="责任单位" width="150" />
            <el-table-column label="类型" width="110"><template #default="{ row }">{{ zhOf(cat.task_kinds, row.kind) }}</template></el-table-column>
            <el-table-column prop="title" label="任务" />
            <el-table-column label="截止" width="110"><template #default="{ row }"><el-tag size="small" :type="row.overdue ? 'danger' : ''">{{ row.due_on }}</el-tag></template></el-table-column>
            <el-table-column label="状态" width="150"><template #default="{ row }">{{ zhOf(cat.task_statuses, row.status) }}<span v-if="row.closed_by" class="muted"> {{ row.closed_by }}</span></template></el-table-column>
            <el-table-column label="" width="70"><template #default="{ row }"><el-button v-if="row.status === 'open'" link size="small" @click="close(row, 'cancelled')">撤销</el-button></template></el-table-column>
          </el-table>
          <el-pagination layout="total, prev, pager, next" :total="all.total" :page-size="20" v-model:current-page="q.page" @current-change="loadAll" />
        </el-card>
      </el-col>
    </el-row>
    <el-card v-if="admin" shadow="never" style="margin-top:12px" data-testid="outbox"><template #header>通知发送（短信/消息网关）<el-button size="small" style="margin-left:8px" @click="loadOutbox">刷新</el-button></template>
      <p class="muted">通知与预警在同一事务中写入发件箱；网关不可用时按退避间隔持续重试（最长10分钟一次），带幂等键，不会丢失或重复。</p>
      <el-table :data="outbox.items" border size="small">
        <el-table-column prop="target" label="网关" width="80" /><el-table-column prop="title" label="内容" />
        <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.status === 'delivered' ? 'success' : 'warning'">{{ row.status === 'delivered' ? '已送达' : '重试中' }}</el-tag></template></el-table-column>
        <el-table-column prop="attempts" label="尝试" width="60" /><el-table-column prop="last_error" label="最近错误" width="200" />
        <el-table-column label="" width="80"><template #default="{ row }"><el-button v-if="row.status === 'pending'" link size="small" @click="retryNote(row)">立即重发</el-button></template></el-table-column>
      </el-table>
    </el-card>
    <el-dialog v-model="raiseOpen" title="下发任务 / 整改事项" width="520px">
      <el-form label-width="80px" size="small">
        <el-form-item label="责任单位"><el-select v-model="rf.unit_id" filterable><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
        <el-form-item label="类型"><el-select v-model="rf.kind"><el-option v-for="s in cat.task_kinds" :key="s.code" :label="s.zh" :value="s.code" /></el-select></el-form-item>
        <el-form-item label="任务"><el-input v-model="rf.title" /></el-form-item>
        <el-form-item label="要求"><el-input v-model="rf.detail" type="textarea" /></el-form-item>
        <el-form-item label="截止"><el-date-picker v-model="rf.due_on" type="date" value-format="YYYY-MM-DD" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="raiseOpen = false">取消</el-button><el-button type="primary" @click="raise">下发</el-button></template>
    </el-dialog>
  </div>`,
};

// ---- Supervision (一案双查、通报点名、行业治理) ------------------------------------------------------------
const SupervisionPage = {
  components: { EChart },
  setup() {
    const tab = ref('dual'); const dual = ref({ items: [], total: 0 }); const pending = ref(true); const page = ref(1);
    const lastMonth = (() => { const d = new Date(Date.now() + 8 * 3600e3); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() - 1); return d.toISOString().slice(0, 7); })();
    const month = ref(lastMonth); const namings = ref([]); const outlets = ref(null);
    async function loadDual() { try { dual.value = await get('/supervision/dual-inquiries?' + qs({ pending: pending.value || '', page: page.value, per_page: 20 })); } catch (e) { fail(e); } }
    async function sample() { try { const r = await post('/supervision/dual-inquiries?' + qs({ month: month.value })); ElMessage.success(`抽取 ${r.opened} 起案件（抽查比例 ${r.rate * 100}%）`); loadDual(); } catch (e) { fail(e); } }
    const ans = reactive({ open: false, row: null, educated: false, unit_id: null, note: '' }); const units = ref([]); const summary = ref([]);
    function answer(d, educated) { Object.assign(ans, { open: true, row: d, educated, unit_id: null, note: '' }); }
    async function saveAnswer() {
      try {
        const r = await post(`/supervision/dual-inquiries/${ans.row.id}/answer`, { educated: ans.educated, responsible_unit_id: ans.unit_id || null, note: ans.note });
        ans.open = false; if (r.task_id) ElMessage.warning(`已向 ${r.responsible_unit} 下发整改任务`); loadDual(); loadSummary();
      } catch (e) { fail(e); }
    }
    async function loadSummary() { try { summary.value = await get('/supervision/dual-inquiries/summary?' + qs({ month: month.value })); } catch (e) { fail(e); } }
    const summaryChart = computed(() => ({
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 40, right: 40, top: 30, bottom: 25 },
      xAxis: { type: 'category', data: summary.value.map((r) => r.month) }, yAxis: [{ type: 'value', name: '起' }],
      series: [
        { name: '已接受宣传', type: 'bar', stack: 'a', data: summary.value.map((r) => r.yes), itemStyle: { color: '#67c23a' } },
        { name: '未接受宣传', type: 'bar', stack: 'a', data: summary.value.map((r) => r.no), itemStyle: { color: '#e6553a' } },
        { name: '待回访', type: 'bar', stack: 'a', data: summary.value.map((r) => r.sampled - r.yes - r.no), itemStyle: { color: '#c0c4cc' } },
        { name: '系统查到回执', type: 'line', data: summary.value.map((r) => r.forms_found), itemStyle: { color: '#5470c6' } },
      ],
    }));
    async function loadNamings() { try { namings.value = await get('/supervision/namings?' + qs({ month: month.value })); } catch (e) { fail(e); } }
    async function name() { try { namings.value = await post('/supervision/namings?' + qs({ month: month.value })); ElMessage.success('已向挂牌整治村(社区)下发整改清单'); } catch (e) { fail(e); } }
    async function loadOutlets() { try { outlets.value = await get('/governance/outlets'); } catch (e) { fail(e); } }
    const chk = reactive({ open: false, row: null, checked_on: todayStr(), passed: true, findings: '' });
    function openCheck(row) { Object.assign(chk, { open: true, row, checked_on: todayStr(), passed: true, findings: '' }); }
    async function saveCheck() { try { await post(`/governance/outlets/${chk.row.unit_id}/checks`, { checked_on: chk.checked_on, passed: chk.passed, findings: chk.findings }); chk.open = false; ElMessage.success('已记录'); loadOutlets(); } catch (e) { fail(e); } }
    async function nameOutlets() { try { const r = await post('/governance/outlets/name'); ElMessage.success(`已下发整改任务 ${r.tasks_raised} 项`); loadOutlets(); } catch (e) { fail(e); } }
    const outletChart = computed(() => {
      if (!outlets.value) return {};
      const top = outlets.value.outlets.slice(0, 12).reverse();
      return { tooltip: {}, grid: { left: 170, right: 40, top: 10, bottom: 20 }, xAxis: { type: 'value', name: '涉诈卡/户' }, yAxis: { type: 'category', data: top.map((o) => o.name) },
        series: [{ type: 'bar', data: top.map((o) => ({ value: o.involved, itemStyle: { color: o.named ? '#d94e5d' : '#5470c6' } })), label: { show: true, position: 'right' } }] };
    });
    function onTab(t) { if (t === 'namings') loadNamings(); if (t === 'outlets') loadOutlets(); }
    const fmtDay = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    onMounted(async () => { loadDual(); loadSummary(); try { units.value = (await get('/units?per_page=500')).items; } catch (e) { fail(e); } });
    return { chk, openCheck, saveCheck, ans, saveAnswer, units, summary, summaryChart, loadSummary, tab, dual, pending, page, loadDual, sample, answer, month, namings, loadNamings, name, outlets, loadOutlets, nameOutlets, outletChart, onTab, fmtDay, can, pct };
  },
  template: `
  <div>
    <h2 class="page-title">监督问责</h2>
    <div style="margin-bottom:8px"><span class="muted">月份 </span><el-date-picker v-model="month" type="month" value-format="YYYY-MM" size="small" :clearable="false" style="width:120px" /></div>
    <el-tabs v-model="tab" @tab-change="onTab">
      <el-tab-pane label="一案双查" name="dual">
        <el-button v-if="can('prevention_review')" size="small" type="primary" @click="sample" data-testid="dual-sample">抽取本月案件</el-button>
        <el-checkbox v-model="pending" style="margin-left:8px" @change="loadDual">只看待回访</el-checkbox>
        <p class="muted">系统自动查找受害人本人或同户在案发前签收的回执、承诺书；回访核实后，未接受宣传教育的，倒查村(社区)、学校或工作单位等责任单位并下发整改任务。</p>
        <e-chart :option="summaryChart" style="height:240px" data-testid="dual-summary" />
        <el-table :data="dual.items" border stripe size="small" data-testid="dual-inquiries">
          <el-table-column prop="case_no" label="案件编号" width="150" />
          <el-table-column label="报案日期" width="100"><template #default="{ row }">{{ fmtDay(row.reported_at) }}</template></el-table-column>
          <el-table-column prop="jurisdiction_name" label="受害人所在村(社区)" width="140" />
          <el-table-column label="系统查找" width="220"><template #default="{ row }"><el-tag size="small" :type="row.forms_found ? 'success' : 'danger'">{{ row.forms_found ? '找到 ' + row.forms_found + ' 份回执/承诺书' : '无宣传记录' }}</el-tag>
            <div class="muted">{{ row.found_detail }}</div></template></el-table-column>
          <el-table-column label="回访结论" width="150"><template #default="{ row }"><span v-if="row.answer">{{ row.answer === 'yes' ? '已接受宣传' : '未接受宣传' }}</span><span v-else class="muted">待回访</span></template></el-table-column>
          <el-table-column prop="note" label="核实情况" />
          <el-table-column label="责任单位" width="140"><template #default="{ row }">{{ row.responsible_unit || '' }}<el-tag v-if="row.task_id" size="small" type="warning">整改#{{ row.task_id }}</el-tag></template></el-table-column>
          <el-table-column label="" width="130"><template #default="{ row }"><template v-if="!row.answer">
            <el-button link type="success" size="small" @click="answer(row, true)">已宣传</el-button><el-button link type="danger" size="small" @click="answer(row, false)" :data-testid="'dual-no-' + row.id">未宣传</el-button></template></template></el-table-column>
        </el-table>
        <el-pagination layout="total, prev, pager, next" :total="dual.total" :page-size="20" v-model:current-page="page" @current-change="loadDual" />
        <el-dialog v-model="ans.open" :title="ans.educated ? '回访结论：已接受宣传教育' : '回访结论：未接受宣传教育（倒查责任）'" width="520px">
          <el-form label-width="90px" size="small">
            <el-form-item v-if="!ans.educated" label="责任单位"><el-select v-model="ans.unit_id" filterable clearable placeholder="默认：受害人所在村(居)委会" style="width:100%">
              <el-option v-for="u in units.filter((x) => ['village_committee', 'school', 'company', 'other'].includes(x.kind) || x.kind.endsWith('_bureau'))" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
            <el-form-item label="核实情况"><el-input v-model="ans.note" type="textarea" :rows="3" placeholder="如：电话回访，受害人表示未收到过防骗宣传" data-testid="dual-note" /></el-form-item>
          </el-form>
          <template #footer><el-button @click="ans.open = false">取消</el-button><el-button type="primary" :disabled="!ans.note.trim()" @click="saveAnswer" data-testid="dual-save">确认</el-button></template>
        </el-dialog>
      </el-tab-pane>
      <el-tab-pane label="通报点名与挂牌整治" name="namings">
        <el-button v-if="can('prevention_review')" size="small" type="primary" @click="name">下发挂牌整治任务</el-button>
        <p class="muted">每月发案数最多的村(社区)予以通报点名；近12个月被点名3次及以上的挂牌整治，向其村(居)委会下发整改清单。</p>
        <el-table :data="namings" border stripe size="small" data-testid="namings">
          <el-table-column prop="rank" label="名次" width="60" /><el-table-column prop="name" label="村(社区)" />
          <el-table-column prop="cases" label="本月发案" width="90" />
          <el-table-column label="损失(万元)" width="100"><template #default="{ row }">{{ (row.loss_fen / 1e6).toFixed(2) }}</template></el-table-column>
          <el-table-column label="近12个月被点名" width="140"><template #default="{ row }"><el-tag size="small" :type="row.times_named >= 3 ? 'danger' : 'info'">{{ row.times_named }} 次{{ row.times_named >= 3 ? ' 挂牌整治' : '' }}</el-tag></template></el-table-column>
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="行业治理(断卡)" name="outlets">
        <template v-if="outlets">
          <el-button v-if="can('prevention_review')" size="small" type="primary" @click="nameOutlets">通报超阈值网点并下发整改</el-button>
          <span class="muted"> 统计 {{ outlets.from }} 至 {{ outlets.to }} 开立的卡/账户；涉诈 {{ outlets.threshold }} 个及以上的网点予以通报。</span>
          <e-chart :option="outletChart" style="height:320px" />
          <el-table :data="outlets.outlets" border stripe size="small" data-testid="outlets">
            <el-table-column prop="rank" label="名次" width="60" /><el-table-column prop="name" label="网点" />
            <el-table-column prop="opened" label="开卡/户数" width="90" /><el-table-column prop="involved" label="涉诈数" width="80" />
            <el-table-column label="涉诈率" width="80"><template #default="{ row }">{{ pct(row.share) }}</template></el-table-column>
            <el-table-column label="最近开户检查" width="170"><template #default="{ row }">{{ row.last_check || '未检查' }} <el-tag v-if="row.last_check" size="small" :type="row.last_check_passed ? 'success' : 'danger'">{{ row.last_check_passed ? '合格' : '不合格' }}</el-tag></template></el-table-column>
            <el-table-column label="" width="140"><template #default="{ row }"><el-tag v-if="row.named" size="small" type="danger">通报</el-tag>
              <el-button v-if="can('prevention_review')" link type="primary" size="small" @click="openCheck(row)">开户检查</el-button></template></el-table-column>
          </el-table>
          <el-dialog v-model="chk.open" :title="chk.row ? chk.row.name + ' 开户审核检查' : ''" width="460px">
            <el-form label-width="80px" size="small">
              <el-form-item label="检查日期"><el-date-picker v-model="chk.checked_on" type="date" value-format="YYYY-MM-DD" :clearable="false" /></el-form-item>
              <el-form-item label="结论"><el-radio-group v-model="chk.passed"><el-radio :value="true">合格</el-radio><el-radio :value="false">不合格</el-radio></el-radio-group></el-form-item>
              <el-form-item label="检查发现"><el-input v-model="chk.findings" type="textarea" placeholder="不合格时必填，如：未落实“一人多卡”核查" /></el-form-item>
            </el-form>
            <template #footer><el-button @click="chk.open = false">取消</el-button><el-button type="primary" @click="saveCheck">保存</el-button></template>
          </el-dialog>
        </template>
      </el-tab-pane>
    </el-tabs>
  </div>`,
};

// ---- Shell -----------------------------------------------------------------------------------
// ---- Models ----------------------------------------------------------------------------------
// The learned model's versions (trained with `fanzha model train` on the county's outcomes):
// what each scored on its held-out period, which one is in force; put one in force or take the
// model out, with confirmation.
const ModelsPage = {
  setup() {
    const data = ref({ in_force: null, versions: [] });
    const load = async () => { try { data.value = await get('/engine/models'); } catch (e) { fail(e); } };
    const fig = (row) => { try { return JSON.parse(row.figures); } catch { return {}; } };
    // The held-out figures of the model: `test.model` of what a version keeps (older versions kept those alone).
    const held = (row) => { const f = fig(row); return f.test ? f.test.model : f; };
    const pct = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');
    const day = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const when = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    async function use(v) {
      const text = v ? `启用模型 ${v} 后，下一笔交易起按该模型评分。确认启用？` : '停用模型后，仅按规则预警。确认停用？';
      try { await ElMessageBox.confirm(text, v ? '启用模型' : '停用模型', { type: 'warning', confirmButtonText: v ? '确认启用' : '确认停用', cancelButtonText: '取消' }); } catch { return; }
      try { data.value = await put('/engine/model', { version: v }); ElMessage.success(v ? `模型 ${v} 已启用` : '已停用模型，仅按规则预警'); } catch (e) { fail(e); }
    }
    // Shadow runs: a candidate ruleset and model beside the ones in force, compared, promoted.
    const shadow = ref({ comparison: null, running: false, runs: [], last_promotion: null });
    const rulesets = ref([]); const rulesetInForce = ref('');
    const pick = reactive({ ruleset_version: '', model_version: '' });
    const loadShadow = async () => {
      try {
        shadow.value = await get('/engine/shadow'); rulesets.value = await get('/engine/rulesets');
        rulesetInForce.value = (await get('/engine/ruleset')).version;
      } catch (e) { fail(e); }
    };
    const OUTCOME_ZH = { '': '运行中', stopped: '已停止', promoted: '已转为在用', rolled_back: '已回退' };
    const label = (rs, m) => `规则 ${rs} · ${m ? '模型 ' + m : '不用模型'}`;
    const ask = async (text, title, ok) => {
      try { await ElMessageBox.confirm(text, title, { type: 'warning', confirmButtonText: ok, cancelButtonText: '取消' }); return true; } catch { return false; }
    };
    async function startShadow() {
      const what = label(pick.ruleset_version || rulesetInForce.value, pick.model_version);
      const text = `以 ${what} 影子运行：与在用的规则和模型并行判断每笔交易，只记录、不预警、不拦截。${shadow.value.running ? '当前的影子运行将结束。' : ''}确认开始？`;
      if (!(await ask(text, '开始影子运行', '确认开始'))) return;
      try {
        shadow.value = await put('/engine/shadow', { ruleset_version: pick.ruleset_version || null, model_version: pick.model_version || null });
        ElMessage.success('影子运行已开始，下一笔交易起记录对比');
      } catch (e) { fail(e); }
    }
    async function stopShadow() {
      if (!(await ask('停止影子运行？已记录的对比结果保留。', '停止影子运行', '确认停止'))) return;
      try { shadow.value = await api('DELETE', '/engine/shadow'); ElMessage.success('影子运行已停止'); } catch (e) { fail(e); }
    }
    async function promote() {
      const r = shadow.value.comparison.run;
      if (!(await ask(`将 ${label(r.ruleset_version, r.model_version)} 转为在用：下一笔交易起按其预警和拦截，可回退。确认转为在用？`, '转为在用', '确认转为在用'))) return;
      try { shadow.value = await post('/engine/shadow/promote', {}); await load(); await loadShadow(); ElMessage.success('已转为在用'); } catch (e) { fail(e); }
    }
    async function rollback() {
      const r = shadow.value.last_promotion;
      if (!(await ask(`回退到转为在用之前的 ${label(r.replaced_ruleset, r.replaced_model)}，下一笔交易起生效。确认回退？`, '回退', '确认回退'))) return;
      try { shadow.value = await post('/engine/shadow/rollback', {}); await load(); await loadShadow(); ElMessage.success('已回退'); } catch (e) { fail(e); }
    }
    const dayChart = computed(() => {
      const c = shadow.value.comparison; if (!c) return null;
      return { grid: { left: 30, right: 10, top: 30, bottom: 20 }, legend: { data: ['在用', '影子'] }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: c.days.map((d) => d.day) }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '在用', data: c.days.map((d) => d.in_force) }, { type: 'bar', name: '影子', data: c.days.map((d) => d.candidate) }] };
    });
    // Training from the page: one run at a time on the server, followed until it ends.
    const train = reactive({ from: '', test_from: '', to: '', threshold: 0.5 });
    const training = ref({ running: false });
    const PHASE_ZH = { replay: '回放交易流水', fit: '训练', score: '检验与解释' };
    const trainPct = computed(() => {
      const t = training.value; if (!t.running) return 100;
      const part = t.total ? t.done / t.total : 0;
      // Replay is most of a run; fitting cannot say how far it is.
      return Math.round(t.phase === 'replay' ? part * 70 : t.phase === 'fit' ? 75 : 85 + part * 15);
    });
    let timer = null;
    async function follow() {
      clearTimeout(timer);
      try { training.value = await get('/engine/models/training'); } catch (e) { fail(e); return; }
      if (training.value.running) { timer = setTimeout(follow, 800); return; }
    }
    async function startTraining() {
      try {
        training.value = await post('/engine/models/train', { from: train.from || null, test_from: train.test_from || null, to: train.to || null, threshold: train.threshold });
      } catch (e) { fail(e); return; }
      await follow();
      while (training.value.running) await new Promise((r) => setTimeout(r, 400));
      if (training.value.version) { ElMessage.success(`模型 ${training.value.version} 已训练完成，尚未启用`); await load(); }
      else if (training.value.error_zh) ElMessage.error(training.value.error_zh);
    }
    Vue.onUnmounted(() => clearTimeout(timer));
    // A version's figures: the curve with its operating point, warnings per day, importance.
    const detail = ref(null);
    const d = computed(() => (detail.value ? fig(detail.value) : null));
    const curveChart = computed(() => {
      const f = d.value; if (!f || !f.curve) return null;
      const pts = f.curve.map((c) => [c.recall, c.precision, c.threshold]);
      const op = f.test.model;
      return { grid: { left: 45, right: 15, top: 30, bottom: 40 }, legend: { data: ['各分数线', '所选分数线'] },
        tooltip: { trigger: 'item', formatter: (p) => `分数线 ${esc(p.value[2])}<br>召回率 ${esc((p.value[0] * 100).toFixed(1))}%<br>精确率 ${esc((p.value[1] * 100).toFixed(1))}%` },
        xAxis: { type: 'value', name: '召回率', min: 0, max: 1, nameLocation: 'middle', nameGap: 25 }, yAxis: { type: 'value', name: '精确率', min: 0, max: 1 },
        series: [{ type: 'line', name: '各分数线', data: pts, symbolSize: 6 },
          { type: 'scatter', name: '所选分数线', data: [[op.recall, op.precision, f.threshold]], symbolSize: 14, itemStyle: { color: '#e6553a' } }] };
    });
    const dayTrainChart = computed(() => {
      const f = d.value; if (!f || !f.test || !f.test.per_day) return null;
      const days = f.test.per_day;
      return { grid: { left: 35, right: 10, top: 30, bottom: 20 }, legend: { data: ['模型', '仅规则'] }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: days.map((x) => (x.day_ms ? day(x.day_ms) : `第${x.day + 1}天`)) }, yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: '模型', data: days.map((x) => x.model_warnings) }, { type: 'bar', name: '仅规则', data: days.map((x) => x.rule_warnings) }] };
    });
    const importanceChart = computed(() => {
      const f = d.value; if (!f || !f.importance || !f.importance.length) return null;
      const rows = [...f.importance].reverse();
      return { grid: { left: 230, right: 30, top: 10, bottom: 20 }, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } }, yAxis: { type: 'category', data: rows.map((x) => x.name_zh) },
        series: [{ type: 'bar', name: '分裂占比', data: rows.map((x) => Number(x.share.toFixed(4))), itemStyle: { color: '#3b6fd8' } }] };
    });
    onMounted(() => { load(); loadShadow(); follow(); });
    return { data, fig, held, pct, day, when, use, can, shadow, train, training, PHASE_ZH, trainPct, startTraining, detail, d, curveChart, dayTrainChart, importanceChart, rulesets, rulesetInForce, pick, OUTCOME_ZH, label, startShadow, stopShadow, promote, rollback, dayChart };
  },
  components: { EChart },
  template: `<div>
    <h2 class="page-title">预警模型</h2>
    <el-alert type="info" :closable="false" show-icon
      title="模型从本县已办结的预警、案件涉案账户、核实的举报线索和已执行的止付中学习（在下方训练，或由管理员用命令行训练），在随后的检验期上评估；可先影子运行对比，启用后下一笔交易起生效，每条预警记录所用的规则和模型版本。" />
    <el-card shadow="never" style="margin-top:12px">
      <template #header>当前：<b data-testid="model-in-force">{{ data.in_force ? '模型 ' + data.in_force : '仅规则（未启用模型）' }}</b>
        <el-button v-if="data.in_force && can('list_write')" size="small" style="margin-left:12px" @click="use(null)" data-testid="model-off">停用模型</el-button>
      </template>
      <el-table :data="data.versions" size="small" data-testid="models" empty-text="尚无模型版本">
        <el-table-column prop="version" label="版本" width="170" />
        <el-table-column label="训练时间" width="170"><template #default="{ row }">{{ when(row.created_at) }}</template></el-table-column>
        <el-table-column prop="created_by" label="训练人" width="110" />
        <el-table-column label="学习期" min-width="170"><template #default="{ row }">{{ day(row.period_from) }} 至 {{ day(row.test_from - 1) }}</template></el-table-column>
        <el-table-column label="检验期" min-width="170"><template #default="{ row }">{{ day(row.test_from) }} 至 {{ day(row.period_to - 1) }}</template></el-table-column>
        <el-table-column label="检验期精确率" width="110"><template #default="{ row }">{{ pct(held(row).precision) }}</template></el-table-column>
        <el-table-column label="检验期召回率" width="110"><template #default="{ row }">{{ pct(held(row).recall) }}</template></el-table-column>
        <el-table-column label="操作" width="150" fixed="right"><template #default="{ row }">
          <el-button size="small" @click="detail = row" data-testid="model-detail">详情</el-button>
          <el-tag v-if="row.version === data.in_force" type="success" size="small" style="margin-left:6px">使用中</el-tag>
          <el-button v-else-if="can('list_write')" size="small" type="primary" @click="use(row.version)">启用</el-button>
        </template></el-table-column>
      </el-table>
    </el-card>
    <el-card v-if="can('list_write')" shadow="never" style="margin-top:12px" data-testid="train">
      <template #header>训练新模型 <span class="muted">不填日期时：从交易流水第一天学习，最后三分之一的交易作检验期</span></template>
      <el-form inline @submit.prevent="startTraining">
        <el-form-item label="学习期起"><el-date-picker v-model="train.from" type="date" value-format="YYYY-MM-DD" placeholder="流水第一天" style="width:150px" data-testid="train-from" /></el-form-item>
        <el-form-item label="检验期起"><el-date-picker v-model="train.test_from" type="date" value-format="YYYY-MM-DD" placeholder="自动" style="width:150px" data-testid="train-test-from" /></el-form-item>
        <el-form-item label="检验期止（不含）"><el-date-picker v-model="train.to" type="date" value-format="YYYY-MM-DD" placeholder="流水最后一天" style="width:150px" /></el-form-item>
        <el-form-item label="预警分数线"><el-input-number v-model="train.threshold" :min="0.05" :max="0.95" :step="0.05" :precision="2" style="width:120px" /></el-form-item>
        <el-form-item><el-button type="primary" :loading="training.running" @click="startTraining" data-testid="train-start">开始训练</el-button></el-form-item>
      </el-form>
      <div v-if="training.running" data-testid="train-progress">{{ PHASE_ZH[training.phase] || '准备' }}<span v-if="training.total">（{{ training.done }} / {{ training.total }}）</span>
        <el-progress :percentage="trainPct" :stroke-width="14" striped striped-flow /></div>
      <el-alert v-else-if="training.error_zh" type="error" :closable="false" :title="'上次训练未完成：' + training.error_zh" data-testid="train-error" />
      <div v-else-if="training.version" class="muted" data-testid="train-done">上次训练：{{ when(training.finished_at) }} 由 {{ training.started_by }} 完成，得到模型 {{ training.version }}</div>
    </el-card>
    <el-dialog :model-value="!!detail" @close="detail = null" :title="detail ? '模型 ' + detail.version : ''" width="min(960px, 96vw)" data-testid="model-detail-dialog">
      <template v-if="d && d.test">
        <el-descriptions :column="2" border size="small">
          <el-descriptions-item label="学习期">{{ day(detail.period_from) }} 至 {{ day(detail.test_from - 1) }}，交易 {{ d.train.transfers }} 笔，已证实诈骗 {{ d.train.fraud }} 笔</el-descriptions-item>
          <el-descriptions-item label="检验期">{{ day(detail.test_from) }} 至 {{ day(detail.period_to - 1) }}，交易 {{ d.test.transfers }} 笔，已证实诈骗 {{ d.test.fraud }} 笔</el-descriptions-item>
          <el-descriptions-item label="预警分数线">{{ d.threshold }}</el-descriptions-item>
          <el-descriptions-item label="对照规则版本">{{ d.ruleset_version }}</el-descriptions-item>
        </el-descriptions>
        <el-table :data="[{ who: '模型', ...d.test.model }, { who: '仅规则', ...d.test.rules }]" size="small" style="margin-top:10px" data-testid="model-compare">
          <el-table-column prop="who" label="检验期" width="90" />
          <el-table-column label="预警数"><template #default="{ row }">{{ row.tp + row.fp }}</template></el-table-column>
          <el-table-column label="命中诈骗"><template #default="{ row }">{{ row.tp }}</template></el-table-column>
          <el-table-column label="精确率"><template #default="{ row }">{{ pct(row.precision) }}</template></el-table-column>
          <el-table-column label="召回率"><template #default="{ row }">{{ pct(row.recall) }}</template></el-table-column>
          <el-table-column label="F1"><template #default="{ row }">{{ pct(row.f1) }}</template></el-table-column>
        </el-table>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="12"><div class="muted">精确率—召回率曲线（红点为所选分数线）</div><EChart v-if="curveChart" :option="curveChart" data-testid="pr-curve" /></el-col>
          <el-col :xs="24" :md="12"><div class="muted">检验期每日预警数</div><EChart v-if="dayTrainChart" :option="dayTrainChart" /></el-col>
        </el-row>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="14"><div class="muted">模型最依赖的特征（树分裂占比）</div>
            <EChart v-if="importanceChart" :option="importanceChart" data-testid="importance" /><el-empty v-else description="无特征数据" :image-size="50" /></el-col>
          <el-col :xs="24" :md="10"><div class="muted">检验期各派出所将收到的预警</div>
            <el-table :data="d.test.stations || []" size="small" empty-text="无预警">
              <el-table-column prop="station" label="派出所" min-width="110" />
              <el-table-column prop="model" label="模型" width="60" />
              <el-table-column prop="rules" label="仅规则" width="70" />
            </el-table></el-col>
        </el-row>
      </template>
      <el-empty v-else description="该版本训练时未保存明细，仅有检验期精确率与召回率" />
    </el-dialog>
    <el-card shadow="never" style="margin-top:12px" data-testid="shadow">
      <template #header>影子运行 <span class="muted">候选的规则和模型与在用的并行判断每笔交易，只记录、不预警、不拦截；对比后转为在用，可回退。在用规则：{{ rulesetInForce }}</span></template>
      <el-alert v-if="shadow.last_promotion" type="warning" :closable="false" style="margin-bottom:10px" data-testid="shadow-promoted">
        第 {{ shadow.last_promotion.id }} 次影子运行的 {{ label(shadow.last_promotion.ruleset_version, shadow.last_promotion.model_version) }} 于 {{ when(shadow.last_promotion.ended_at) }} 转为在用，替换了 {{ label(shadow.last_promotion.replaced_ruleset, shadow.last_promotion.replaced_model) }}。
        <el-button v-if="can('list_write')" size="small" style="margin-left:8px" @click="rollback" data-testid="shadow-rollback">回退</el-button>
      </el-alert>
      <el-form v-if="can('list_write')" inline @submit.prevent="startShadow">
        <el-form-item label="候选规则"><el-select v-model="pick.ruleset_version" :placeholder="'在用规则 ' + rulesetInForce" clearable style="width:220px" data-testid="shadow-ruleset">
          <el-option v-for="v in rulesets" :key="v.version" :label="v.version" :value="v.version" /></el-select></el-form-item>
        <el-form-item label="候选模型"><el-select v-model="pick.model_version" placeholder="不用模型" clearable style="width:220px" data-testid="shadow-model">
          <el-option v-for="v in data.versions" :key="v.version" :label="v.version" :value="v.version" /></el-select></el-form-item>
        <el-form-item><el-button type="primary" @click="startShadow" data-testid="shadow-start">开始影子运行</el-button></el-form-item>
      </el-form>
      <template v-if="shadow.comparison">
        <div style="margin-bottom:8px" data-testid="shadow-run">第 {{ shadow.comparison.run.id }} 次：{{ label(shadow.comparison.run.ruleset_version, shadow.comparison.run.model_version) }}，{{ when(shadow.comparison.run.started_at) }} 由 {{ shadow.comparison.run.started_by }} 开始
          <el-tag size="small" :type="shadow.running ? 'success' : 'info'" data-testid="shadow-state">{{ OUTCOME_ZH[shadow.comparison.run.outcome] }}</el-tag>
          <template v-if="shadow.running && can('list_write')">
            <el-button size="small" type="primary" style="margin-left:8px" @click="promote" data-testid="shadow-promote">转为在用</el-button>
            <el-button size="small" @click="stopShadow" data-testid="shadow-stop">停止</el-button>
          </template>
        </div>
        <el-descriptions :column="2" border size="small" data-testid="shadow-figures">
          <el-descriptions-item label="在用预警数">{{ shadow.comparison.in_force.warnings }}</el-descriptions-item>
          <el-descriptions-item label="影子预警数"><span data-testid="shadow-warnings">{{ shadow.comparison.candidate.warnings }}</span></el-descriptions-item>
          <el-descriptions-item label="在用命中已证实诈骗">{{ shadow.comparison.in_force.frauds_caught }} / {{ shadow.comparison.known_frauds }}</el-descriptions-item>
          <el-descriptions-item label="影子命中已证实诈骗">{{ shadow.comparison.candidate.frauds_caught }} / {{ shadow.comparison.known_frauds }}</el-descriptions-item>
          <el-descriptions-item label="仅在用命中（影子会漏）">{{ shadow.comparison.caught_only_in_force }}</el-descriptions-item>
          <el-descriptions-item label="仅影子命中（在用漏了）">{{ shadow.comparison.caught_only_candidate }}</el-descriptions-item>
          <el-descriptions-item label="两者都预警">{{ shadow.comparison.both }}</el-descriptions-item>
        </el-descriptions>
        <el-row :gutter="12" style="margin-top:10px">
          <el-col :xs="24" :md="12"><div class="muted">每日预警数</div><EChart v-if="shadow.comparison.days.length" :option="dayChart" /><el-empty v-else description="尚无预警" :image-size="60" /></el-col>
          <el-col :xs="24" :md="12"><div class="muted">各派出所将收到的预警</div>
            <el-table :data="shadow.comparison.stations" size="small" data-testid="shadow-stations" empty-text="尚无预警">
              <el-table-column prop="station" label="派出所" min-width="120" />
              <el-table-column prop="in_force" label="在用" width="70" />
              <el-table-column prop="candidate" label="影子" width="70" />
              <el-table-column label="增减" width="70"><template #default="{ row }">{{ row.candidate - row.in_force > 0 ? '+' : '' }}{{ row.candidate - row.in_force }}</template></el-table-column>
            </el-table></el-col>
        </el-row>
      </template>
      <el-empty v-else description="尚未进行影子运行" :image-size="60" />
    </el-card>
  </div>`,
};

const MENU = [
  { path: '/', title: '工作台', icon: 'DataBoard', perm: 'registry_read', page: DashboardPage },
  { path: '/jurisdictions', title: '辖区与人口', icon: 'MapLocation', perm: 'registry_read', page: JurisdictionsPage },
  { path: '/stations', title: '派出所', icon: 'OfficeBuilding', perm: 'registry_read', page: StationsPage },
  { path: '/units', title: '成员单位', icon: 'School', perm: 'registry_read', page: UnitsPage },
  { path: '/warnings', title: '预警信息', icon: 'Bell', perm: 'warning_read', page: WarningsPage },
  { path: '/rules', title: '规则与名单', icon: 'Operation', perm: 'warning_read', page: RulesPage },
  { path: '/models', title: '预警模型', icon: 'DataAnalysis', perm: 'list_write', page: ModelsPage },
  { path: '/flow', title: '资金追踪', icon: 'Share', perm: 'warning_read', page: FlowPage },
  { path: '/cases', title: '案件管理', icon: 'Files', perm: 'case_read', page: CasesPage },
  { path: '/bank', title: '止付冻结', icon: 'Lock', show: () => can('list_write') || can('case_read') || (session.me && session.me.role === 'bank_liaison'), page: BankPage },
  { path: '/ranking', title: '排名通报', icon: 'TrendCharts', perm: 'case_read', page: RankingPage },
  { path: '/reports', title: '通报与报告', icon: 'Tickets', perm: 'report_read', page: ReportsPage },
  { path: '/tasks', title: '任务待办', icon: 'List', show: canTasks, page: TasksPage },
  { path: '/prevention', title: '宣传防范', icon: 'Promotion', show: () => can('prevention_write') || can('prevention_review'), page: PreventionPage },
  { path: '/keypersons', title: '重点人员', icon: 'Avatar', perm: 'key_person', page: KeyPersonsPage },
  { path: '/supervision', title: '监督问责', icon: 'Stamp', perm: 'case_read', page: SupervisionPage },
  { path: '/residents', title: '居民信息', icon: 'User', perm: 'resident_read', page: ResidentsPage },
  { path: '/users', title: '用户管理', icon: 'UserFilled', perm: 'user_admin', page: UsersPage },
  { path: '/keys', title: '接口密钥', icon: 'Key', perm: 'user_admin', page: KeysPage },
  { path: '/audit', title: '审计日志', icon: 'Document', perm: 'audit_read', page: AuditPage },
];

// ---- Password --------------------------------------------------------------------------------
// Changing one's own password; forced (no way to close it) while the password is the one an
// administrator set.
const PasswordDialog = {
  props: { modelValue: Boolean, forced: Boolean },
  emits: ['update:modelValue'],
  setup(props, { emit }) {
    const f = reactive({ current_password: '', new_password: '', again: '' }); const busy = ref(false);
    async function save() {
      if (f.new_password !== f.again) { ElMessage.error('两次输入的新密码不一致'); return; }
      busy.value = true;
      try {
        await post('/auth/password', { current_password: f.current_password, new_password: f.new_password });
        session.me = await get('/auth/me');
        Object.assign(f, { current_password: '', new_password: '', again: '' });
        ElMessage.success('密码已修改'); emit('update:modelValue', false);
      } catch (e) { fail(e); } finally { busy.value = false; }
    }
    return { f, busy, save, close: () => emit('update:modelValue', false) };
  },
  template: `
  <el-dialog :model-value="modelValue || forced" :title="forced ? '首次登录请修改密码' : '修改密码'" width="420px" :show-close="!forced" :close-on-click-modal="false" :close-on-press-escape="!forced" @close="close" data-testid="password-dialog">
    <el-alert v-if="forced" type="warning" :closable="false" style="margin-bottom:10px" title="当前密码由管理员设置，修改后方可使用系统。" />
    <el-form label-width="90px" @submit.prevent="save">
      <el-form-item label="当前密码"><el-input v-model="f.current_password" type="password" show-password autocomplete="current-password" data-testid="pw-current" /></el-form-item>
      <el-form-item label="新密码"><el-input v-model="f.new_password" type="password" show-password autocomplete="new-password" data-testid="pw-new" /></el-form-item>
      <el-form-item label="确认新密码"><el-input v-model="f.again" type="password" show-password autocomplete="new-password" data-testid="pw-again" /></el-form-item>
      <div class="muted">8位以上，含大写字母、小写字母、数字、符号中的三种，不含用户名，不与最近5次相同。</div>
    </el-form>
    <template #footer><el-button v-if="!forced" @click="close">取消</el-button><el-button type="primary" :loading="busy" @click="save" data-testid="pw-save">确认修改</el-button></template>
  </el-dialog>`,
};

const NotAllowedPage = {
  template: `<el-result icon="warning" title="无权访问该页面" sub-title="您的角色没有打开此页面的权限。如确需使用，请联系系统管理员。" data-testid="not-allowed">
    <template #extra><el-button type="primary" @click="location.hash = '#/'">返回工作台</el-button></template></el-result>`,
};

const App = {
  components: { PasswordDialog },
  setup() {
    const route = ref(location.hash.slice(1) || '/');
    window.addEventListener('hashchange', () => { route.value = location.hash.slice(1) || '/'; });
    const menu = computed(() => MENU.filter((m) => (m.show ? m.show() : can(m.perm))));
    const current = computed(() => {
      if (!session.me) return LoginPage;
      const m = menu.value.find((x) => x.path === route.value);
      if (m) return m.page;
      // A page of another role (a link passed on, an old bookmark) says so instead of
      // silently showing another page.
      if (MENU.some((x) => x.path === route.value)) return NotAllowedPage;
      return (menu.value[0] || {}).page || DashboardPage;
    });
    onMounted(async () => {
      try { session.me = await get('/auth/me'); } catch (e) { session.me = null; }
      session.checked = true;
    });
    async function logout() { try { await post('/auth/logout'); } catch (e) { /* already gone */ } session.me = null; location.hash = '#/login'; }
    // In-app notifications of new warnings for the caller's station (polled; the outbox is the record).
    const notes = ref([]);
    const unread = computed(() => notes.value.filter((n) => !n.read_at).length);
    async function loadNotes() { if (session.me && can('warning_read')) { try { notes.value = await get('/notifications'); } catch (e) { /* shown on the next poll */ } } }
    async function openNote(n) { try { if (!n.read_at) await post(`/notifications/${n.id}/read`); } catch (e) { fail(e); } location.hash = '#/warnings'; loadNotes(); }
    watch(() => session.me, loadNotes);
    onMounted(() => { setInterval(loadNotes, 30000); });
    const pwOpen = ref(false); const drawer = ref(false);
    return { session, menu, current, route, logout, notes, unread, openNote, can, pwOpen, drawer };
  },
  template: `
  <template v-if="session.checked">
    <component v-if="!session.me" :is="current" />
    <el-container v-else class="layout">
      <el-header class="header">
        <span class="brand"><el-button class="menu-button" size="small" circle @click="drawer = true" data-testid="menu-button" aria-label="菜单"><el-icon><Menu /></el-icon></el-button>清溪县反诈工作平台</span>
        <span class="who" data-testid="who">
          <span class="wide-only">{{ session.me.display_name }}</span>
          <el-tag size="small" effect="dark" type="warning" data-testid="role">{{ session.me.role_zh }}</el-tag>
          <span class="wide-only">{{ session.me.unit_name }}</span>
          <span v-if="session.me.scope.length" class="wide-only" data-testid="scope" :title="session.me.scope.join('、')">辖区：{{ session.me.scope.slice(0, 3).join('、') }}{{ session.me.scope.length > 3 ? ' 等' + session.me.scope.length + '个' : '' }}</span>
          <span v-else class="wide-only" data-testid="scope">辖区：全县</span>
          <el-popover v-if="can('warning_read')" placement="bottom-end" :width="380" trigger="click">
            <template #reference><el-badge :value="unread" :hidden="!unread" :max="99"><el-button size="small" circle data-testid="bell"><el-icon><Bell /></el-icon></el-button></el-badge></template>
            <div style="max-height:360px;overflow-y:auto" data-testid="notes">
              <div v-for="n in notes" :key="n.id" class="task-line" style="cursor:pointer" @click="openNote(n)">
                <b v-if="!n.read_at">●</b> {{ n.title }}<div class="muted">{{ new Date(n.created_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) }}</div></div>
              <el-empty v-if="!notes.length" description="暂无通知" :image-size="60" />
            </div>
          </el-popover>
          <el-button size="small" class="wide-only" @click="pwOpen = true" data-testid="change-password">修改密码</el-button>
          <el-button size="small" @click="logout" data-testid="logout">退出</el-button>
        </span>
      </el-header>
      <!-- On a phone the side menu gives way to a drawer, opened from the header. -->
      <el-drawer v-model="drawer" direction="ltr" size="240px" :with-header="false" data-testid="menu-drawer">
        <div class="drawer-who">{{ session.me.display_name }} · {{ session.me.unit_name }}<div class="muted">{{ session.me.scope.length ? '辖区：' + session.me.scope.slice(0, 3).join('、') + (session.me.scope.length > 3 ? ' 等' + session.me.scope.length + '个' : '') : '辖区：全县' }}</div></div>
        <el-menu :default-active="route" data-testid="drawer-menu">
          <el-menu-item v-for="m in menu" :key="m.path" :index="m.path" @click="location.hash = '#' + m.path; drawer = false">
            <el-icon><component :is="m.icon" /></el-icon><span>{{ m.title }}</span>
          </el-menu-item>
          <el-menu-item index="password" @click="pwOpen = true; drawer = false"><el-icon><Key /></el-icon><span>修改密码</span></el-menu-item>
        </el-menu>
      </el-drawer>
      <el-container>
        <el-aside width="190px" class="aside">
          <el-menu :default-active="route" router="false" data-testid="menu">
            <el-menu-item v-for="m in menu" :key="m.path" :index="m.path" @click="location.hash = '#' + m.path">
              <el-icon><component :is="m.icon" /></el-icon><span>{{ m.title }}</span>
            </el-menu-item>
          </el-menu>
        </el-aside>
        <el-main class="main"><component v-if="!session.me.must_change_password" :is="current" :key="route" /></el-main>
      </el-container>
      <password-dialog v-model="pwOpen" :forced="session.me.must_change_password" />
    </el-container>
  </template>`,
};

const app = createApp(App);
app.config.globalProperties.location = window.location;
app.use(ElementPlus, { locale: ElementPlusLocaleZhCn });
for (const [name, comp] of Object.entries(ElementPlusIconsVue)) app.component(name, comp);
app.mount('#app');
